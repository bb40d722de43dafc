/**
 * SplitShard, MergeShards, UpdateShardCount and UpdateStreamMode end to end through the AWS SDK v3 client: the
 * shard map they leave, reading across the parent/child boundary, AWS's errors, and the UPDATING window.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  CreateStreamCommand,
  DescribeStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  ListShardsCommand,
  ListStreamsCommand,
  MergeShardsCommand,
  PutRecordCommand,
  PutRecordsCommand,
  SplitShardCommand,
  UpdateAccountSettingsCommand,
  UpdateShardCountCommand,
  UpdateStreamModeCommand,
} from "@aws-sdk/client-kinesis";
import { kinesisLimits } from "../../src/config/limits.js";
import { ManualClock } from "../support/clock.js";
import { awsError, type HttpVersion, kinesisClient } from "../support/kinesis.js";
import { startServer } from "../support/server.js";
import { assertCoversKeySpace, listAllShards, maxHashKey, range, readShard, shardId, splitInHalf } from "../support/shards.js";

const account = "000000000000";
const dayMs = 24 * 3_600_000;
const arnOf = (name: string) => `arn:aws:kinesis:us-east-1:${account}:stream/${name}`;
const text = (data: Uint8Array | undefined) => Buffer.from(data!).toString();

async function putAt(kinesis: KinesisClient, streamName: string, hashKey: bigint, payloads: string[]) {
  const result = await kinesis.send(
    new PutRecordsCommand({
      StreamName: streamName,
      Records: payloads.map((payload) => ({ PartitionKey: "pk", ExplicitHashKey: hashKey.toString(), Data: Buffer.from(payload) })),
    }),
  );
  assert.equal(result.FailedRecordCount, 0);
  return result.Records!;
}

for (const http of ["h2", "http1"] as HttpVersion[]) {
  describe(`Resharding over ${http}`, async () => {
    const clock = new ManualClock();
    const server = await startServer({ limits: "off" }, clock);
    const kinesis = kinesisClient(server.endpoint, http);

    it("splits a shard: the parent closes at its last record, its data stays readable, children take new writes", async () => {
      await kinesis.send(new CreateStreamCommand({ StreamName: "split", ShardCount: 1 }));
      const before = await putAt(kinesis, "split", 5n, ["a", "b", "c"]);
      const middle = 1n << 127n;
      await kinesis.send(new SplitShardCommand({ StreamName: "split", ShardToSplit: shardId(0), NewStartingHashKey: middle.toString() }));

      const shards = await listAllShards(kinesis, "split");
      assert.deepEqual(shards.map((shard) => shard.ShardId), [shardId(0), shardId(1), shardId(2)]);
      const [parent, low, high] = shards as [typeof shards[0], typeof shards[0], typeof shards[0]];
      assert.equal(parent.SequenceNumberRange!.EndingSequenceNumber, before[2]!.SequenceNumber, "EndingSequenceNumber is the last record's");
      assert.deepEqual([low.ParentShardId, low.AdjacentParentShardId, high.ParentShardId], [shardId(0), undefined, shardId(0)]);
      assert.deepEqual(range(low), { start: 0n, end: middle - 1n });
      assert.deepEqual(range(high), { start: middle, end: maxHashKey });
      for (const child of [low, high]) {
        assert.equal(child.SequenceNumberRange!.EndingSequenceNumber, undefined);
        assert.ok(BigInt(child.SequenceNumberRange!.StartingSequenceNumber!) > BigInt(parent.SequenceNumberRange!.EndingSequenceNumber!));
      }
      assertCoversKeySpace(shards);
      const described = (await kinesis.send(new DescribeStreamCommand({ StreamName: "split" }))).StreamDescription!;
      assert.equal(described.StreamStatus, "ACTIVE");
      assert.equal(described.Shards![0]!.SequenceNumberRange!.EndingSequenceNumber, before[2]!.SequenceNumber);
      const summary = (await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: "split" }))).StreamDescriptionSummary!;
      assert.equal(summary.OpenShardCount, 2);

      const toLow = await kinesis.send(new PutRecordCommand({ StreamName: "split", PartitionKey: "x", ExplicitHashKey: "1", Data: Buffer.from("d") }));
      const toHigh = await kinesis.send(
        new PutRecordCommand({ StreamName: "split", PartitionKey: "x", ExplicitHashKey: middle.toString(), Data: Buffer.from("e") }),
      );
      assert.equal(toLow.ShardId, shardId(1));
      assert.equal(toHigh.ShardId, shardId(2));

      const parentRead = await readShard(kinesis, "split", shardId(0));
      assert.deepEqual(parentRead.records.map((record) => text(record.Data)), ["a", "b", "c"]);
      assert.deepEqual(parentRead.records.map((record) => record.SequenceNumber), before.map((record) => record.SequenceNumber));
      assert.deepEqual(
        parentRead.childShards!.map((child) => [child.ShardId, child.ParentShards, child.HashKeyRange!.StartingHashKey, child.HashKeyRange!.EndingHashKey]),
        [
          [shardId(1), [shardId(0)], "0", (middle - 1n).toString()],
          [shardId(2), [shardId(0)], middle.toString(), maxHashKey.toString()],
        ],
      );
      assert.deepEqual((await readShard(kinesis, "split", shardId(1))).records.map((record) => text(record.Data)), ["d"]);
      assert.deepEqual((await readShard(kinesis, "split", shardId(2))).records.map((record) => text(record.Data)), ["e"]);

      // LATEST on a closed shard is its end: the first GetRecords hands over to the children.
      const { ShardIterator: latest } = await kinesis.send(
        new GetShardIteratorCommand({ StreamName: "split", ShardId: shardId(0), ShardIteratorType: "LATEST" }),
      );
      const atEnd = await kinesis.send(new GetRecordsCommand({ ShardIterator: latest }));
      assert.deepEqual(atEnd.Records, []);
      assert.equal(atEnd.NextShardIterator, undefined);
      assert.deepEqual(atEnd.ChildShards?.map((child) => child.ShardId), [shardId(1), shardId(2)]);
      // AT_SEQUENCE_NUMBER of the EndingSequenceNumber reads the last record, then ends.
      const { ShardIterator: last } = await kinesis.send(
        new GetShardIteratorCommand({
          StreamName: "split",
          ShardId: shardId(0),
          ShardIteratorType: "AT_SEQUENCE_NUMBER",
          StartingSequenceNumber: parent.SequenceNumberRange!.EndingSequenceNumber,
        }),
      );
      const lastRead = await kinesis.send(new GetRecordsCommand({ ShardIterator: last }));
      assert.deepEqual(lastRead.Records!.map((record) => text(record.Data)), ["c"]);
      assert.equal(lastRead.NextShardIterator, undefined);
    });

    it("merges two adjacent shards into one with both as parents", async () => {
      await kinesis.send(new CreateStreamCommand({ StreamName: "merge", ShardCount: 3 }));
      const [s0, s1, s2] = await listAllShards(kinesis, "merge");
      await putAt(kinesis, "merge", range(s0!).start, ["zero"]);
      const fromOne = await putAt(kinesis, "merge", range(s1!).start, ["one", "uno"]);
      await kinesis.send(new MergeShardsCommand({ StreamName: "merge", ShardToMerge: shardId(0), AdjacentShardToMerge: shardId(1) }));

      const shards = await listAllShards(kinesis, "merge");
      assert.equal(shards.length, 4);
      const child = shards[3]!;
      assert.equal(child.ShardId, shardId(3));
      assert.equal(child.ParentShardId, shardId(0));
      assert.equal(child.AdjacentParentShardId, shardId(1));
      assert.deepEqual(range(child), { start: range(s0!).start, end: range(s1!).end });
      assert.equal(shards[1]!.SequenceNumberRange!.EndingSequenceNumber, fromOne[1]!.SequenceNumber);
      assert.equal(shards[2]!.SequenceNumberRange!.EndingSequenceNumber, undefined);
      assert.deepEqual(range(shards[2]!), range(s2!));
      assertCoversKeySpace(shards);

      const merged = await putAt(kinesis, "merge", range(s1!).end, ["later"]);
      assert.equal(merged[0]!.ShardId, shardId(3));
      for (const [parent, expected] of [[shardId(0), ["zero"]], [shardId(1), ["one", "uno"]]] as const) {
        const read = await readShard(kinesis, "merge", parent);
        assert.deepEqual(read.records.map((record) => text(record.Data)), expected);
        assert.deepEqual(read.childShards?.map((c) => [c.ShardId, c.ParentShards]), [[shardId(3), [shardId(0), shardId(1)]]]);
      }
      assert.deepEqual((await readShard(kinesis, "merge", shardId(3))).records.map((record) => text(record.Data)), ["later"]);
    });

    it("answers SplitShard's mistakes with AWS's errors", async () => {
      await kinesis.send(new CreateStreamCommand({ StreamName: "bad-split", ShardCount: 3 }));
      const [s0, , s2] = await listAllShards(kinesis, "bad-split");
      const split = (ShardToSplit: string, key: bigint | string, StreamName = "bad-split") =>
        kinesis.send(new SplitShardCommand({ StreamName, ShardToSplit, NewStartingHashKey: key.toString() }));

      const noStream = await awsError(split(shardId(0), 2n, "nowhere"), "ResourceNotFoundException");
      assert.equal(noStream.message, `Stream nowhere under account ${account} not found.`);
      const noShard = await awsError(split(shardId(9), 2n), "ResourceNotFoundException");
      assert.equal(noShard.message, `Could not find shard ${shardId(9)} in stream bad-split under account ${account}.`);
      const { end: end0 } = range(s0!);
      for (const key of [0n, 1n, end0, end0 + 1n]) {
        const error = await awsError(split(shardId(0), key), "InvalidArgumentException");
        assert.equal(
          error.message,
          `NewStartingHashKey ${key} used in SplitShard() on shard ${shardId(0)} in stream bad-split under account ${account} is not both greater than one plus the shard's StartingHashKey 0 and less than the shard's EndingHashKey ${end0}.`,
        );
      }
      const huge = "999999999999999999999999999999999999999";
      const tooBig = await awsError(split(shardId(2), huge), "InvalidArgumentException");
      assert.equal(
        tooBig.message,
        `NewStartingHashKey ${huge} used in SplitShard() on shard ${shardId(2)} in stream bad-split under account ${account} is not both greater than one plus the shard's StartingHashKey ${range(s2!).start} and less than the shard's EndingHashKey ${maxHashKey}.`,
      );
      const pattern = await awsError(split(shardId(0), "012"), "ValidationException");
      assert.equal(
        pattern.message,
        "1 validation error detected: Value '012' at 'newStartingHashKey' failed to satisfy constraint: Member must satisfy regular expression pattern: 0|([1-9]\\d{0,38})",
      );

      await split(shardId(0), 2n); // the smallest key AWS accepts: StartingHashKey + 2
      const [, lowest] = (await listAllShards(kinesis, "bad-split")).slice(2);
      assert.deepEqual(range(lowest!), { start: 0n, end: 1n });
      const closed = await awsError(split(shardId(0), 5n), "InvalidArgumentException");
      assert.equal(
        closed.message,
        `Shard ${shardId(0)} in stream bad-split under account ${account} has already been merged or split, and thus is not eligible for merging or splitting.`,
      );

      const limit = kinesisLimits as { shardLimit: number };
      const saved = limit.shardLimit;
      try {
        const open = await accountOpenShards(kinesis);
        limit.shardLimit = open;
        const over = await awsError(split(shardId(1), range((await listAllShards(kinesis, "bad-split"))[1]!).start + 10n), "LimitExceededException");
        assert.equal(
          over.message,
          `This request would exceed the shard limit for the account ${account} in us-east-1. Current shard count for the account: ${open}. Limit: ${open}. Number of additional shards that would have resulted from this request: 1. Refer to the AWS Service Limits page (http://docs.aws.amazon.com/general/latest/gr/aws_service_limits.html) for current limits and how to request higher limits.`,
        );
      } finally {
        limit.shardLimit = saved;
      }

      await kinesis.send(new CreateStreamCommand({ StreamName: "od-split", StreamModeDetails: { StreamMode: "ON_DEMAND" } }));
      const onDemand = await awsError(split(shardId(0), 1n << 60n, "od-split"), "ValidationException");
      assert.equal(onDemand.message, `Request is invalid. Stream od-split under account ${account} is in On-Demand mode.`);
    });

    it("answers MergeShards' mistakes with AWS's errors", async () => {
      await kinesis.send(new CreateStreamCommand({ StreamName: "bad-merge", ShardCount: 3 }));
      const merge = (ShardToMerge: string, AdjacentShardToMerge: string, StreamName = "bad-merge") =>
        kinesis.send(new MergeShardsCommand({ StreamName, ShardToMerge, AdjacentShardToMerge }));
      const notAdjacent = (a: string, b: string) =>
        `Shards ${a} and ${b} in stream bad-merge under account ${account} are not an adjacent pair of shards eligible for merging`;
      assert.equal((await awsError(merge(shardId(0), shardId(2)), "InvalidArgumentException")).message, notAdjacent(shardId(0), shardId(2)));
      // AWS wants ShardToMerge to be the lower of the two.
      assert.equal((await awsError(merge(shardId(1), shardId(0)), "InvalidArgumentException")).message, notAdjacent(shardId(1), shardId(0)));
      assert.equal(
        (await awsError(merge(shardId(0), shardId(7)), "ResourceNotFoundException")).message,
        `Could not find shard ${shardId(7)} in stream bad-merge under account ${account}.`,
      );
      assert.equal(
        (await awsError(merge(shardId(0), shardId(1), "nowhere"), "ResourceNotFoundException")).message,
        `Stream nowhere under account ${account} not found.`,
      );
      await merge(shardId(0), shardId(1));
      assert.equal(
        (await awsError(merge(shardId(1), shardId(2)), "InvalidArgumentException")).message,
        `Shard ${shardId(1)} in stream bad-merge under account ${account} has already been merged or split, and thus is not eligible for merging or splitting.`,
      );
      await merge(shardId(3), shardId(2));
      assert.deepEqual(
        (await listAllShards(kinesis, "bad-merge")).filter((s) => !s.SequenceNumberRange!.EndingSequenceNumber).map((s) => [s.ShardId, range(s)]),
        [[shardId(4), { start: 0n, end: maxHashKey }]],
      );
      const missing = await awsError(kinesis.send(new MergeShardsCommand({ StreamName: "bad-merge" } as never)), "ValidationException");
      assert.equal(
        missing.message,
        "2 validation errors detected: Value null at 'shardToMerge' failed to satisfy constraint: Member must not be null; Value null at 'adjacentShardToMerge' failed to satisfy constraint: Member must not be null",
      );
      await kinesis.send(new CreateStreamCommand({ StreamName: "od-merge", StreamModeDetails: { StreamMode: "ON_DEMAND" } }));
      const onDemand = await awsError(merge(shardId(0), shardId(1), "od-merge"), "ValidationException");
      assert.equal(onDemand.message, `Request is invalid. Stream od-merge under account ${account} is in On-Demand mode.`);
    });

    it("UpdateShardCount performs the splits and merges AWS does, leaving as many shards as AWS does", async () => {
      // [initial, target, total shards afterwards] as observed in AWS (scale up: split all, merge back; down: merge).
      const cases: Array<[number, number, number]> = [[1, 2, 3], [2, 4, 6], [4, 5, 15], [10, 13, 37], [4, 2, 6], [5, 3, 7], [3, 6, 9]];
      for (const [initial, target, total] of cases) {
        const name = `usc-${initial}-${target}`;
        await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: initial }));
        const response = await kinesis.send(new UpdateShardCountCommand({ StreamName: name, TargetShardCount: target, ScalingType: "UNIFORM_SCALING" }));
        assert.deepEqual(
          [response.StreamName, response.StreamARN, response.CurrentShardCount, response.TargetShardCount],
          [name, arnOf(name), initial, target],
        );
        const shards = await listAllShards(kinesis, name, 7);
        assert.equal(shards.length, total, `${initial} → ${target} leaves ${total} shards`);
        const open = shards.filter((shard) => shard.SequenceNumberRange!.EndingSequenceNumber === undefined);
        assert.equal(open.length, target);
        assertCoversKeySpace(shards);
        for (const shard of shards.slice(initial)) assert.ok(shard.ParentShardId !== undefined, `${shard.ShardId} has a parent`);
        // Uniform: open shards differ in size by at most a factor of two.
        const sizes = open.map((shard) => range(shard).end - range(shard).start + 1n);
        const smallest = sizes.reduce((a, b) => (a < b ? a : b));
        assert.ok(sizes.every((size) => size <= smallest * 2n + 64n));
        assert.equal((await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary!.OpenShardCount, target);
      }
      // Asking for the current count changes nothing.
      const same = await kinesis.send(new UpdateShardCountCommand({ StreamName: "usc-1-2", TargetShardCount: 2, ScalingType: "UNIFORM_SCALING" }));
      assert.deepEqual([same.CurrentShardCount, same.TargetShardCount], [2, 2]);
      assert.equal((await listAllShards(kinesis, "usc-1-2")).length, 3);
    });

    it("answers UpdateShardCount's limits with AWS's errors", async () => {
      await kinesis.send(new CreateStreamCommand({ StreamName: "limits", ShardCount: 4 }));
      const update = (TargetShardCount: number, StreamName = "limits") =>
        kinesis.send(new UpdateShardCountCommand({ StreamName, TargetShardCount, ScalingType: "UNIFORM_SCALING" }));
      assert.equal(
        (await awsError(update(9), "LimitExceededException")).message,
        "UpdateShardCount cannot scale up over double your current open shard count. Current open shard count: 4, Target shard count: 9",
      );
      assert.equal(
        (await awsError(update(1), "LimitExceededException")).message,
        "UpdateShardCount cannot scale down below half your current open shard count. Current open shard count: 4, Target shard count: 1",
      );
      assert.equal(
        (await awsError(update(10001), "LimitExceededException")).message,
        "Target shard count or number of open shards cannot be greater than 10000. Current open shard count: 4, Target shard count: 10001",
      );
      const badType = await awsError(
        kinesis.send(new UpdateShardCountCommand({ StreamName: "limits", TargetShardCount: 2, ScalingType: "LOPSIDED" as "UNIFORM_SCALING" })),
        "ValidationException",
      );
      assert.match(badType.message, /at 'scalingType' failed to satisfy constraint: Member must satisfy enum value set: \[UNIFORM_SCALING\]/);

      // Ten calls per rolling 24 hours.
      await kinesis.send(new CreateStreamCommand({ StreamName: "busy", ShardCount: 1 }));
      const first = clock.now();
      for (let call = 0; call < 10; call++) {
        clock.advance(60_000);
        await update(call % 2 === 0 ? 2 : 1, "busy");
      }
      const eleventh = await awsError(update(2, "busy"), "LimitExceededException");
      assert.match(eleventh.message, /UpdateShardCount/);
      clock.set(first + dayMs + 60_001);
      await update(2, "busy");

      const limit = kinesisLimits as { shardLimit: number };
      const saved = limit.shardLimit;
      try {
        limit.shardLimit = 1;
        // Scaling 4 → 8 briefly needs 4 more shards (every shard is split first), as in AWS.
        await awsError(update(8), "LimitExceededException");
      } finally {
        limit.shardLimit = saved;
      }

      await kinesis.send(new CreateStreamCommand({ StreamName: "od-usc", StreamModeDetails: { StreamMode: "ON_DEMAND" } }));
      assert.equal(
        (await awsError(update(8, "od-usc"), "ValidationException")).message,
        `Request is invalid. Stream od-usc under account ${account} is in On-Demand mode.`,
      );
      assert.equal((await awsError(update(2, "nowhere"), "ResourceNotFoundException")).message, `Stream nowhere under account ${account} not found.`);
    });

    it("UpdateStreamMode switches between PROVISIONED and ON_DEMAND, at most twice a day", async () => {
      await kinesis.send(new CreateStreamCommand({ StreamName: "modal", ShardCount: 2 }));
      const mode = async () => (await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: "modal" }))).StreamDescriptionSummary!;
      const switchTo = (StreamMode: "ON_DEMAND" | "PROVISIONED", StreamARN = arnOf("modal")) =>
        kinesis.send(new UpdateStreamModeCommand({ StreamARN, StreamModeDetails: { StreamMode } }));
      // Asking for the mode it is in changes nothing and does not count.
      await switchTo("PROVISIONED");
      const start = clock.now();
      await switchTo("ON_DEMAND");
      let summary = await mode();
      assert.deepEqual([summary.StreamModeDetails?.StreamMode, summary.StreamStatus, summary.OpenShardCount], ["ON_DEMAND", "ACTIVE", 2]);
      await awsError(kinesis.send(new SplitShardCommand({ StreamName: "modal", ShardToSplit: shardId(0), NewStartingHashKey: "12345" })), "ValidationException");
      clock.advance(60_000);
      await switchTo("PROVISIONED");
      summary = await mode();
      assert.equal(summary.StreamModeDetails?.StreamMode, "PROVISIONED");
      await kinesis.send(new SplitShardCommand({ StreamName: "modal", ShardToSplit: shardId(0), NewStartingHashKey: "12345" }));
      const third = await awsError(switchTo("ON_DEMAND"), "LimitExceededException");
      assert.match(third.message, /modal/);
      clock.set(start + dayMs + 1);
      await switchTo("ON_DEMAND");
      assert.equal((await mode()).StreamModeDetails?.StreamMode, "ON_DEMAND");

      const warm = await awsError(
        kinesis.send(new UpdateStreamModeCommand({ StreamARN: arnOf("modal"), StreamModeDetails: { StreamMode: "PROVISIONED" }, WarmThroughputMiBps: 10 })),
        "InvalidArgumentException",
      );
      assert.match(warm.message, /WarmThroughputMiBps/);
      // A warm throughput with the switch to ON_DEMAND needs the account's throughput commitment, as AWS says.
      await kinesis.send(new CreateStreamCommand({ StreamName: "warm", ShardCount: 1 }));
      const toWarm = () =>
        kinesis.send(new UpdateStreamModeCommand({ StreamARN: arnOf("warm"), StreamModeDetails: { StreamMode: "ON_DEMAND" }, WarmThroughputMiBps: 50 }));
      assert.match((await awsError(toWarm(), "InvalidArgumentException")).message, /MinimumThroughputBillingCommitment/);
      await kinesis.send(new UpdateAccountSettingsCommand({ MinimumThroughputBillingCommitment: { Status: "ENABLED" } }));
      await toWarm();
      const warmed = (await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: "warm" }))).StreamDescriptionSummary!;
      assert.deepEqual([warmed.StreamModeDetails?.StreamMode, warmed.WarmThroughput?.TargetMiBps], ["ON_DEMAND", 50]);
      assert.equal((await awsError(switchTo("ON_DEMAND", arnOf("nowhere")), "ResourceNotFoundException")).message, `Stream nowhere under account ${account} not found.`);
      const noArn = await awsError(kinesis.send(new UpdateStreamModeCommand({ StreamModeDetails: { StreamMode: "ON_DEMAND" } } as never)), "ValidationException");
      assert.match(noArn.message, /Value null at 'streamARN' failed to satisfy constraint: Member must not be null/);
    });
  });
}

/** Open shards of every stream in the region. */
async function accountOpenShards(kinesis: KinesisClient): Promise<number> {
  const { StreamNames: names } = await kinesis.send(new ListStreamsCommand({ Limit: 10000 }));
  let open = 0;
  for (const name of names!) {
    open += (await listAllShards(kinesis, name)).filter((shard) => shard.SequenceNumberRange!.EndingSequenceNumber === undefined).length;
  }
  return open;
}

describe("A stream being resharded", async () => {
  const clock = new ManualClock();
  const server = await startServer({ limits: "off" }, clock, { streams: { updateDelayMs: 30_000 } });
  const kinesis = kinesisClient(server.endpoint);

  it("shows UPDATING for the update delay, keeps taking reads and writes, and refuses another change meanwhile", async () => {
    await kinesis.send(new CreateStreamCommand({ StreamName: "slow", ShardCount: 2 }));
    const status = async () => (await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: "slow" }))).StreamDescriptionSummary!.StreamStatus;
    await putAt(kinesis, "slow", 0n, ["before"]);
    await kinesis.send(new SplitShardCommand({ StreamName: "slow", ShardToSplit: shardId(0), NewStartingHashKey: "1000" }));
    assert.equal(await status(), "UPDATING");

    const during = await putAt(kinesis, "slow", 0n, ["during"]);
    assert.equal(during[0]!.ShardId, shardId(2), "writes go to the children at once");
    const parent = await readShard(kinesis, "slow", shardId(0));
    assert.deepEqual(parent.records.map((record) => text(record.Data)), ["before"]);
    assert.deepEqual(parent.childShards?.map((child) => child.ShardId), [shardId(2), shardId(3)]);
    assert.deepEqual((await readShard(kinesis, "slow", shardId(2))).records.map((record) => text(record.Data)), ["during"]);
    assert.equal((await kinesis.send(new ListShardsCommand({ StreamName: "slow" }))).Shards!.length, 4);

    const inUse = `Stream slow under account ${account} not ACTIVE, instead in state UPDATING`;
    const refusals = [
      kinesis.send(new SplitShardCommand({ StreamName: "slow", ShardToSplit: shardId(1), NewStartingHashKey: (maxHashKey - 5n).toString() })),
      kinesis.send(new MergeShardsCommand({ StreamName: "slow", ShardToMerge: shardId(2), AdjacentShardToMerge: shardId(3) })),
      kinesis.send(new UpdateShardCountCommand({ StreamName: "slow", TargetShardCount: 4, ScalingType: "UNIFORM_SCALING" })),
      kinesis.send(new UpdateStreamModeCommand({ StreamARN: arnOf("slow"), StreamModeDetails: { StreamMode: "ON_DEMAND" } })),
    ];
    for (const refused of refusals) assert.equal((await awsError(refused, "ResourceInUseException")).message, inUse);

    clock.advance(29_999);
    assert.equal(await status(), "UPDATING");
    clock.advance(1);
    assert.equal(await status(), "ACTIVE");
    await kinesis.send(new MergeShardsCommand({ StreamName: "slow", ShardToMerge: shardId(2), AdjacentShardToMerge: shardId(3) }));
    assert.equal(await status(), "UPDATING");
  });
});
