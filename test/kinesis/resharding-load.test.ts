/**
 * Resharding under load and across a restart. Producers call PutRecords continuously (over HTTP/2 and HTTP/1.1)
 * while shards are split, merged and rescaled; then a consumer that follows parents before children, as the KCL
 * does (ListShards, ParentShardId / AdjacentParentShardId, ChildShards), must read every acknowledged record exactly
 * once, where it was acknowledged, in order within each shard and within each partition key.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  CreateStreamCommand,
  type KinesisClient,
  MergeShardsCommand,
  PutRecordsCommand,
  type Shard,
  UpdateShardCountCommand,
} from "@aws-sdk/client-kinesis";
import { ManualClock } from "../support/clock.js";
import { kinesisClient } from "../support/kinesis.js";
import { startServer } from "../support/server.js";
import { assertCoversKeySpace, listAllShards, maxHashKey, readShard, shardId, splitInHalf } from "../support/shards.js";
import { tempDir } from "../support/temp-dir.js";

interface Acknowledged {
  readonly shardId: string;
  readonly sequenceNumber: string;
}

interface Consumed {
  readonly payload: string;
  readonly shardId: string;
  readonly sequenceNumber: string;
  readonly partitionKey: string;
}

/**
 * Reads every shard of a stream, a shard only once all its parents are read to their end, checking each closed
 * shard's ChildShards against the shard map. Returns the records in the order a KCL worker would process them.
 */
async function consumeLikeKcl(kinesis: KinesisClient, streamName: string): Promise<Consumed[]> {
  const shards = await listAllShards(kinesis, streamName, 3);
  const known = new Set(shards.map((shard) => shard.ShardId!));
  const parentsOf = (shard: Shard) => [shard.ParentShardId, shard.AdjacentParentShardId].filter((id): id is string => id !== undefined);
  const done = new Set<string>();
  const consumed: Consumed[] = [];
  for (let round = 0; done.size < shards.length; round++) {
    assert.ok(round < shards.length, "every round can read at least one shard");
    const ready = shards.filter((shard) => !done.has(shard.ShardId!) && parentsOf(shard).every((id) => done.has(id) || !known.has(id)));
    for (const shard of ready) {
      const read = await readShard(kinesis, streamName, shard.ShardId!, 137);
      const closed = shard.SequenceNumberRange!.EndingSequenceNumber !== undefined;
      assert.equal(read.childShards !== undefined, closed, `${shard.ShardId} ends with ChildShards exactly when it is closed`);
      if (read.childShards !== undefined) {
        const expected = shards.filter((child) => parentsOf(child).includes(shard.ShardId!));
        assert.deepEqual(
          read.childShards.map((child) => [child.ShardId, child.ParentShards, child.HashKeyRange]),
          expected.map((child) => [child.ShardId, parentsOf(child), child.HashKeyRange]),
        );
        const last = read.records.at(-1);
        if (last !== undefined) assert.equal(last.SequenceNumber, shard.SequenceNumberRange!.EndingSequenceNumber);
      }
      let previous = -1n;
      for (const record of read.records) {
        const sequence = BigInt(record.SequenceNumber!);
        assert.ok(sequence > previous, `sequence numbers increase within ${shard.ShardId}`);
        previous = sequence;
        consumed.push({
          payload: Buffer.from(record.Data!).toString(),
          shardId: shard.ShardId!,
          sequenceNumber: record.SequenceNumber!,
          partitionKey: record.PartitionKey!,
        });
      }
      done.add(shard.ShardId!);
    }
  }
  return consumed;
}

describe("Resharding under concurrent load", async () => {
  // On disk, so appends are really in flight (writev + fdatasync) when a reshard closes their shard.
  const server = await startServer({ inMemory: false, dataDir: await tempDir(), limits: "off" });
  const clients = [kinesisClient(server.endpoint, "h2"), kinesisClient(server.endpoint, "http1")] as const;
  const [control] = clients;

  it("loses and duplicates no acknowledged record across splits, merges and UpdateShardCount", async () => {
    await control.send(new CreateStreamCommand({ StreamName: "load", ShardCount: 2 }));
    const acknowledged = new Map<string, Acknowledged>();
    let stop = false;
    let finished = 0;
    const producers = 4;
    const waiting: Array<{ count: number; resolve: () => void }> = [];
    const wake = () => {
      for (const waiter of [...waiting]) {
        if (acknowledged.size >= waiter.count || finished === producers) {
          waiting.splice(waiting.indexOf(waiter), 1);
          waiter.resolve();
        }
      }
    };
    /** Resolves once `more` further records are acknowledged (or the producers have stopped). */
    const progress = (more: number) => new Promise<void>((resolve) => {
      waiting.push({ count: acknowledged.size + more, resolve });
      wake();
    });
    const produce = async (producer: number) => {
      const kinesis = clients[producer % 2]!;
      let counter = 0;
      try {
        for (let batch = 0; batch < 400 && !stop; batch++) {
          const entries = Array.from({ length: 20 }, () => {
            const n = counter++;
            const partitionKey = `p${producer}-k${n % 13}`;
            return { PartitionKey: partitionKey, Data: Buffer.from(`${producer}/${n}/${partitionKey}`) };
          });
          const result = await kinesis.send(new PutRecordsCommand({ StreamName: "load", Records: entries }));
          result.Records!.forEach((record, i) => {
            if (record.SequenceNumber !== undefined) {
              acknowledged.set(Buffer.from(entries[i]!.Data).toString(), { shardId: record.ShardId!, sequenceNumber: record.SequenceNumber });
            }
          });
          wake();
        }
      } finally {
        finished++;
        wake();
      }
    };
    const load = Promise.all(Array.from({ length: producers }, (_, p) => produce(p)));

    await progress(300);
    await splitInHalf(control, "load", shardId(0)); // → 2, 3
    await progress(300);
    await splitInHalf(clients[1], "load", shardId(1)); // → 4, 5
    await progress(300);
    await control.send(new MergeShardsCommand({ StreamName: "load", ShardToMerge: shardId(3), AdjacentShardToMerge: shardId(4) })); // → 6
    await progress(300);
    await control.send(new UpdateShardCountCommand({ StreamName: "load", TargetShardCount: 6, ScalingType: "UNIFORM_SCALING" }));
    await progress(300);
    await clients[1].send(new UpdateShardCountCommand({ StreamName: "load", TargetShardCount: 4, ScalingType: "UNIFORM_SCALING" }));
    await progress(300);
    stop = true;
    await load;

    const shards = await listAllShards(control, "load");
    assertCoversKeySpace(shards);
    assert.equal(shards.filter((shard) => shard.SequenceNumberRange!.EndingSequenceNumber === undefined).length, 4);
    const writtenTo = new Set([...acknowledged.values()].map((ack) => ack.shardId));
    assert.ok(writtenTo.size >= 6, `records landed in parents and children alike (${[...writtenTo].join(", ")})`);

    const consumed = await consumeLikeKcl(control, "load");
    const seen = new Set<string>();
    for (const record of consumed) {
      assert.ok(!seen.has(record.payload), `${record.payload} read once`);
      seen.add(record.payload);
      const ack = acknowledged.get(record.payload);
      assert.ok(ack !== undefined, `${record.payload} was acknowledged`);
      assert.deepEqual([record.shardId, record.sequenceNumber], [ack.shardId, ack.sequenceNumber]);
    }
    assert.equal(consumed.length, acknowledged.size, "every acknowledged record is read");
    // Each producer awaited each PutRecords: per partition key, the KCL order is the order written.
    const lastOfKey = new Map<string, number>();
    for (const record of consumed) {
      const counter = Number(record.payload.split("/")[1]);
      assert.ok(counter > (lastOfKey.get(record.partitionKey) ?? -1), `${record.partitionKey} stays in order across the reshards`);
      lastOfKey.set(record.partitionKey, counter);
    }
  });
});

describe("Resharding across a restart", async () => {
  const clock = new ManualClock();
  const dataDir = await tempDir();

  it("keeps the shard map, the closed shards and their data", async () => {
    let server = await startServer({ inMemory: false, dataDir, limits: "off" }, clock);
    let kinesis = kinesisClient(server.endpoint);
    await kinesis.send(new CreateStreamCommand({ StreamName: "kept", ShardCount: 2 }));
    const put = async (tag: string) => {
      const records = Array.from({ length: 12 }, (_, i) => ({ PartitionKey: `${tag}-${i}`, Data: Buffer.from(`${tag}-${i}`) }));
      const result = await kinesis.send(new PutRecordsCommand({ StreamName: "kept", Records: records }));
      assert.equal(result.FailedRecordCount, 0);
    };
    await put("first");
    clock.advance(1000);
    await splitInHalf(kinesis, "kept", shardId(0)); // → 2, 3
    await put("second");
    clock.advance(1000);
    await kinesis.send(new MergeShardsCommand({ StreamName: "kept", ShardToMerge: shardId(3), AdjacentShardToMerge: shardId(1) })); // → 4
    await put("third");
    const snapshot = async () => {
      const shards = await listAllShards(kinesis, "kept");
      const contents: Array<[string, string[], string[] | undefined]> = [];
      for (const shard of shards) {
        const read = await readShard(kinesis, "kept", shard.ShardId!);
        contents.push([shard.ShardId!, read.records.map((record) => `${record.SequenceNumber}=${Buffer.from(record.Data!).toString()}`), read.childShards?.map((c) => c.ShardId!)]);
      }
      return { shards, contents };
    };
    const before = await snapshot();
    assert.deepEqual(before.shards.map((shard) => shard.ShardId), [0, 1, 2, 3, 4].map(shardId));
    assert.equal(before.contents.reduce((sum, [, records]) => sum + records.length, 0), 36);

    await server.stop();
    server = await startServer({ inMemory: false, dataDir, limits: "off" }, clock);
    kinesis = kinesisClient(server.endpoint);
    assert.deepEqual(await snapshot(), before);

    // The restarted server routes by the open shards and numbers new shards after the old ones.
    const low = await kinesis.send(new PutRecordsCommand({ StreamName: "kept", Records: [{ PartitionKey: "x", ExplicitHashKey: "0", Data: Buffer.from("low") }] }));
    const high = await kinesis.send(
      new PutRecordsCommand({ StreamName: "kept", Records: [{ PartitionKey: "x", ExplicitHashKey: maxHashKey.toString(), Data: Buffer.from("high") }] }),
    );
    assert.deepEqual([low.Records![0]!.ShardId, high.Records![0]!.ShardId], [shardId(2), shardId(4)]);
    await splitInHalf(kinesis, "kept", shardId(2));
    const shards = await listAllShards(kinesis, "kept");
    assert.deepEqual(shards.slice(5).map((shard) => [shard.ShardId, shard.ParentShardId]), [[shardId(5), shardId(2)], [shardId(6), shardId(2)]]);
    assertCoversKeySpace(shards);
    const parent = await readShard(kinesis, "kept", shardId(2));
    assert.equal(parent.records.at(-1)?.Data && Buffer.from(parent.records.at(-1)!.Data!).toString(), "low");
  });
});
