/**
 * ON_DEMAND streams scale with the write rate instead of throttling: a shard whose writes over the window exceed
 * the per-shard limit is split at its midpoint (the rule in limits.ts `onDemandScaling`). Time is a ManualClock.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  CreateStreamCommand,
  DescribeLimitsCommand,
  DescribeStreamSummaryCommand,
  type KinesisClient,
  PutRecordsCommand,
  UpdateStreamModeCommand,
} from "@aws-sdk/client-kinesis";
import { kinesisLimits, onDemandScaling } from "../../src/config/limits.js";
import { ManualClock } from "../support/clock.js";
import { kinesisClient } from "../support/kinesis.js";
import { startServer } from "../support/server.js";
import { assertCoversKeySpace, listAllShards, range, readShard, shardId } from "../support/shards.js";

const recordBytes = 1_000_000;
/** Bytes a shard may take over the window before it splits. */
const windowBytes = (kinesisLimits.shardWriteBytesPerSecond * onDemandScaling.windowMs) / 1000;

async function putBig(kinesis: KinesisClient, streamName: string, hashKey: bigint, count: number, tag: string) {
  return kinesis.send(
    new PutRecordsCommand({
      StreamName: streamName,
      Records: Array.from({ length: count }, (_, i) => ({
        PartitionKey: "k",
        ExplicitHashKey: hashKey.toString(),
        Data: Buffer.alloc(recordBytes - 1, `${tag}${i}`),
      })),
    }),
  );
}

const openIds = async (kinesis: KinesisClient, name: string) =>
  (await listAllShards(kinesis, name)).filter((shard) => shard.SequenceNumberRange!.EndingSequenceNumber === undefined).map((shard) => shard.ShardId);

describe("ON_DEMAND scaling", async () => {
  const clock = new ManualClock();
  const server = await startServer({ limits: "on" }, clock);
  const kinesis = kinesisClient(server.endpoint);

  it("splits a shard whose write rate over the window exceeds its limit, instead of throttling it", async () => {
    await kinesis.send(new CreateStreamCommand({ StreamName: "auto", StreamModeDetails: { StreamMode: "ON_DEMAND" } }));
    assert.deepEqual(await openIds(kinesis, "auto"), [shardId(0), shardId(1), shardId(2), shardId(3)]);
    const [hot] = await listAllShards(kinesis, "auto");
    // Four records of ~1 MB per call, all into shard 0, while the clock stands still: far above 1 MiB/s.
    let written = 0;
    let calls = 0;
    while (written + 4 * recordBytes <= windowBytes) {
      const result = await putBig(kinesis, "auto", 7n, 4, `w${calls++}`);
      assert.equal(result.FailedRecordCount, 0, "ON_DEMAND writes are not throttled");
      written += 4 * recordBytes;
      assert.equal((await openIds(kinesis, "auto")).length, 4, `no split at ${written} bytes in the window`);
    }
    const crossing = await putBig(kinesis, "auto", 7n, 4, "x");
    assert.equal(crossing.FailedRecordCount, 0);
    assert.ok(crossing.Records!.every((record) => record.ShardId === shardId(0)), "the records that crossed the limit went to the hot shard");

    const shards = await listAllShards(kinesis, "auto");
    assert.deepEqual(await openIds(kinesis, "auto"), [shardId(1), shardId(2), shardId(3), shardId(4), shardId(5)]);
    const { start, end } = range(hot!);
    const middle = start + (end - start + 1n) / 2n;
    assert.deepEqual(
      shards.slice(4).map((shard) => [shard.ShardId, shard.ParentShardId, range(shard)]),
      [
        [shardId(4), shardId(0), { start, end: middle - 1n }],
        [shardId(5), shardId(0), { start: middle, end }],
      ],
    );
    assertCoversKeySpace(shards);
    const summary = (await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: "auto" }))).StreamDescriptionSummary!;
    assert.deepEqual([summary.StreamStatus, summary.OpenShardCount, summary.StreamModeDetails?.StreamMode], ["ACTIVE", 5, "ON_DEMAND"]);

    // The children start with empty windows: the same burst again does not split them.
    const again = await putBig(kinesis, "auto", 7n, 4, "y");
    assert.ok(again.Records!.every((record) => record.ShardId === shardId(4)));
    assert.equal((await openIds(kinesis, "auto")).length, 5);
    // Writes spread out in time (1 MB a second, just under 1 MiB/s) stay under the limit: no split either.
    clock.advance(onDemandScaling.windowMs);
    for (let second = 0; second < 3 * (onDemandScaling.windowMs / 1000); second++) {
      clock.advance(1000);
      const steady = await putBig(kinesis, "auto", 7n, 1, `s${second}`);
      assert.equal(steady.FailedRecordCount, 0);
    }
    assert.equal((await openIds(kinesis, "auto")).length, 5);

    // Every record written before the split is in the parent (reads keep their 2 MiB/s limit: let time pass).
    const parent = await readShard(kinesis, "auto", shardId(0), 1000, () => clock.advance(10_000));
    assert.equal(parent.records.length, calls * 4 + 4);
    assert.deepEqual(parent.childShards?.map((child) => child.ShardId), [shardId(4), shardId(5)]);
  });

  it("also splits on the record count, and a stream switched to ON_DEMAND scales the same way", async () => {
    await kinesis.send(new CreateStreamCommand({ StreamName: "many", ShardCount: 1 }));
    await kinesis.send(
      new UpdateStreamModeCommand({ StreamARN: "arn:aws:kinesis:us-east-1:000000000000:stream/many", StreamModeDetails: { StreamMode: "ON_DEMAND" } }),
    );
    const limit = (kinesisLimits.shardWriteRecordsPerSecond * onDemandScaling.windowMs) / 1000;
    let sent = 0;
    for (let call = 0; call < 100 && sent <= limit; call++) {
      const result = await kinesis.send(
        new PutRecordsCommand({ StreamName: "many", Records: Array.from({ length: 500 }, (_, i) => ({ PartitionKey: `k${call}-${i}`, Data: Buffer.from("x") })) }),
      );
      assert.equal(result.FailedRecordCount, 0);
      sent += 500;
      assert.equal((await openIds(kinesis, "many")).length, sent > limit ? 2 : 1, `after ${sent} records`);
    }
    assert.ok(sent > limit);
  });

  it("stops splitting at the account shard limit, still without throttling", async () => {
    await kinesis.send(new CreateStreamCommand({ StreamName: "capped", StreamModeDetails: { StreamMode: "ON_DEMAND" } }));
    const limits = kinesisLimits as { shardLimit: number };
    const saved = limits.shardLimit;
    const summary = await kinesis.send(new DescribeLimitsCommand({}));
    limits.shardLimit = summary.OpenShardCount!;
    try {
      for (let call = 0; call * 4 * recordBytes <= 2 * windowBytes; call++) {
        const result = await putBig(kinesis, "capped", 7n, 4, `c${call}`);
        assert.equal(result.FailedRecordCount, 0);
      }
      assert.equal((await openIds(kinesis, "capped")).length, 4);
    } finally {
      limits.shardLimit = saved;
    }
    // With room again, the next write over the limit splits the shard.
    await putBig(kinesis, "capped", 7n, 1, "room");
    assert.equal((await openIds(kinesis, "capped")).length, 5);
  });

  it("throttles a PROVISIONED stream under the same load, and never splits it", async () => {
    await kinesis.send(new CreateStreamCommand({ StreamName: "fixed", ShardCount: 1 }));
    let failed = 0;
    for (let call = 0; call < 4; call++) {
      const result = await putBig(kinesis, "fixed", 7n, 4, `f${call}`);
      failed += result.FailedRecordCount!;
      for (const record of result.Records!) {
        if (record.ErrorCode !== undefined) assert.equal(record.ErrorCode, "ProvisionedThroughputExceededException");
      }
    }
    assert.ok(failed > 0);
    assert.deepEqual(await openIds(kinesis, "fixed"), [shardId(0)]);
  });
});
