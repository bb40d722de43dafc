/** ListShards end to end through the AWS SDK v3 client: paging, NextToken rules and expiry, every ShardFilter. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  CreateStreamCommand,
  type KinesisClient,
  ListShardsCommand,
  type ListShardsCommandInput,
  MergeShardsCommand,
  type Shard,
  SplitShardCommand,
} from "@aws-sdk/client-kinesis";
import { ManualClock } from "../support/clock.js";
import { awsError, type HttpVersion, kinesisClient } from "../support/kinesis.js";
import { startServer } from "../support/server.js";

const maxHashKey = (1n << 128n) - 1n;
const hourMs = 3_600_000;
const ids = (shards: Shard[] | undefined): string[] => (shards ?? []).map((shard) => shard.ShardId!);
const shard = (n: number): string => `shardId-${String(n).padStart(12, "0")}`;

async function shardIds(kinesis: KinesisClient, input: ListShardsCommandInput): Promise<string[]> {
  return ids((await kinesis.send(new ListShardsCommand(input))).Shards);
}

for (const http of ["h2", "http1"] as HttpVersion[]) {
  describe(`ListShards over ${http}`, async () => {
    const clock = new ManualClock();
    const server = await startServer({}, clock);
    const kinesis = kinesisClient(server.endpoint, http);

    it("lists a stream's shards with their hash key and sequence number ranges", async () => {
      await kinesis.send(new CreateStreamCommand({ StreamName: "three", ShardCount: 3 }));
      const { Shards: shards, NextToken } = await kinesis.send(new ListShardsCommand({ StreamName: "three" }));
      assert.equal(NextToken, undefined);
      assert.deepEqual(ids(shards), [shard(0), shard(1), shard(2)]);
      assert.equal(shards![0]!.HashKeyRange!.StartingHashKey, "0");
      assert.equal(shards![2]!.HashKeyRange!.EndingHashKey, maxHashKey.toString());
      assert.equal(BigInt(shards![0]!.HashKeyRange!.EndingHashKey!) + 1n, BigInt(shards![1]!.HashKeyRange!.StartingHashKey!));
      assert.match(shards![0]!.SequenceNumberRange!.StartingSequenceNumber!, /^\d{56}$/);
      assert.equal(shards![0]!.SequenceNumberRange!.EndingSequenceNumber, undefined);
      assert.equal(shards![0]!.ParentShardId, undefined);
      const byArn = await shardIds(kinesis, { StreamARN: "arn:aws:kinesis:us-east-1:000000000000:stream/three" });
      assert.deepEqual(byArn, [shard(0), shard(1), shard(2)]);
      assert.deepEqual(await shardIds(kinesis, { StreamName: "three", ExclusiveStartShardId: shard(0) }), [shard(1), shard(2)]);
      assert.deepEqual(await shardIds(kinesis, { StreamName: "three", ExclusiveStartShardId: shard(2) }), []);
    });

    it("pages with MaxResults and NextToken, and a NextToken expires after 300 seconds", async () => {
      const first = await kinesis.send(new ListShardsCommand({ StreamName: "three", MaxResults: 2 }));
      assert.deepEqual(ids(first.Shards), [shard(0), shard(1)]);
      assert.ok(first.NextToken);
      const second = await kinesis.send(new ListShardsCommand({ NextToken: first.NextToken, MaxResults: 2 }));
      assert.deepEqual(ids(second.Shards), [shard(2)]);
      assert.equal(second.NextToken, undefined);
      const one = await kinesis.send(new ListShardsCommand({ StreamName: "three", MaxResults: 1 }));
      const two = await kinesis.send(new ListShardsCommand({ NextToken: one.NextToken, MaxResults: 1 }));
      assert.deepEqual(ids(two.Shards), [shard(1)]);
      const three = await kinesis.send(new ListShardsCommand({ NextToken: two.NextToken }));
      assert.deepEqual(ids(three.Shards), [shard(2)]);

      clock.advance(300_000);
      await kinesis.send(new ListShardsCommand({ NextToken: first.NextToken }));
      clock.advance(1001);
      const expired = await awsError(kinesis.send(new ListShardsCommand({ NextToken: first.NextToken })), "ExpiredNextTokenException");
      assert.match(expired.message, /NextToken/);
    });

    it("rejects NextToken together with the members that would name the stream or listing again", async () => {
      const { NextToken } = await kinesis.send(new ListShardsCommand({ StreamName: "three", MaxResults: 1 }));
      const cases: Array<[string, ListShardsCommandInput]> = [
        ["StreamName", { StreamName: "three" }],
        ["StreamARN", { StreamARN: "arn:aws:kinesis:us-east-1:000000000000:stream/three" }],
        ["ExclusiveStartShardId", { ExclusiveStartShardId: shard(0) }],
        ["StreamCreationTimestamp", { StreamCreationTimestamp: new Date(clock.now()) }],
        ["ShardFilter", { ShardFilter: { Type: "AT_LATEST" } }],
      ];
      for (const [member, extra] of cases) {
        const error = await awsError(kinesis.send(new ListShardsCommand({ NextToken, ...extra })), "InvalidArgumentException");
        assert.equal(error.message, `NextToken and ${member} cannot be provided together.`);
      }
      const neither = await awsError(kinesis.send(new ListShardsCommand({})), "InvalidArgumentException");
      assert.equal(neither.message, "Either NextToken or StreamName should be provided.");
      await awsError(kinesis.send(new ListShardsCommand({ NextToken: "bm90IGEgdG9rZW4=" })), "InvalidArgumentException");
      const missing = await awsError(kinesis.send(new ListShardsCommand({ StreamName: "nope" })), "ResourceNotFoundException");
      assert.equal(missing.message, "Stream nope under account 000000000000 not found.");
      const invalid = await awsError(kinesis.send(new ListShardsCommand({ StreamName: "three", MaxResults: 0 })), "ValidationException");
      assert.match(invalid.message, /at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1/);
    });

    it("tells apart streams of the same name by StreamCreationTimestamp", async () => {
      const created = clock.now();
      await kinesis.send(new CreateStreamCommand({ StreamName: "dated", ShardCount: 1 }));
      assert.deepEqual(await shardIds(kinesis, { StreamName: "dated", StreamCreationTimestamp: new Date(created) }), [shard(0)]);
      const other = await awsError(
        kinesis.send(new ListShardsCommand({ StreamName: "dated", StreamCreationTimestamp: new Date(created - 60_000) })),
        "ResourceNotFoundException",
      );
      assert.equal(other.message, "Stream dated under account 000000000000 not found.");
    });

    it("filters shards by their lifetimes, as ShardFilter defines, and keeps the filter across pages", async () => {
      const t0 = clock.now();
      await kinesis.send(new CreateStreamCommand({ StreamName: "lineage", ShardCount: 2 }));
      const [s0, s1] = (await kinesis.send(new ListShardsCommand({ StreamName: "lineage" }))).Shards!;
      clock.advance(hourMs);
      const t1 = clock.now();
      const middle = (BigInt(s0!.HashKeyRange!.EndingHashKey!) + 1n) / 2n;
      await kinesis.send(new SplitShardCommand({ StreamName: "lineage", ShardToSplit: shard(0), NewStartingHashKey: middle.toString() }));
      clock.advance(hourMs);
      const t2 = clock.now();
      // shard 3 (upper half of 0) and shard 1 are adjacent: merge them into 4.
      await kinesis.send(new MergeShardsCommand({ StreamName: "lineage", ShardToMerge: shard(3), AdjacentShardToMerge: shard(1) }));
      clock.advance(60_000);
      const lineage = (input: Omit<ListShardsCommandInput, "StreamName">) => shardIds(kinesis, { StreamName: "lineage", ...input });

      const all = (await kinesis.send(new ListShardsCommand({ StreamName: "lineage" }))).Shards!;
      assert.deepEqual(ids(all), [shard(0), shard(1), shard(2), shard(3), shard(4)]);
      assert.equal(all[4]!.ParentShardId, shard(3));
      assert.equal(all[4]!.AdjacentParentShardId, shard(1));
      assert.equal(all[4]!.HashKeyRange!.StartingHashKey, middle.toString());
      assert.equal(all[4]!.HashKeyRange!.EndingHashKey, s1!.HashKeyRange!.EndingHashKey);

      assert.deepEqual(await lineage({ ShardFilter: { Type: "FROM_TRIM_HORIZON" } }), ids(all));
      assert.deepEqual(await lineage({ ShardFilter: { Type: "AT_LATEST" } }), [shard(2), shard(4)]);
      assert.deepEqual(await lineage({ ShardFilter: { Type: "AT_TRIM_HORIZON" } }), [shard(0), shard(1)]);
      assert.deepEqual(await lineage({ ShardFilter: { Type: "AT_TIMESTAMP", Timestamp: new Date(t0 + hourMs / 2) } }), [shard(0), shard(1)]);
      assert.deepEqual(await lineage({ ShardFilter: { Type: "AT_TIMESTAMP", Timestamp: new Date(t1 + hourMs / 2) } }), [shard(1), shard(2), shard(3)]);
      // At the instant of a reshard both the parent (closed then) and its children (created then) were open.
      assert.deepEqual(await lineage({ ShardFilter: { Type: "AT_TIMESTAMP", Timestamp: new Date(t1) } }), [shard(0), shard(1), shard(2), shard(3)]);
      assert.deepEqual(await lineage({ ShardFilter: { Type: "AT_TIMESTAMP", Timestamp: new Date(t2 + 1000) } }), [shard(2), shard(4)]);
      assert.deepEqual(await lineage({ ShardFilter: { Type: "FROM_TIMESTAMP", Timestamp: new Date(t1 + hourMs / 2) } }), [shard(1), shard(2), shard(3), shard(4)]);
      assert.deepEqual(await lineage({ ShardFilter: { Type: "FROM_TIMESTAMP", Timestamp: new Date(t0 - hourMs) } }), ids(all));
      assert.deepEqual(await lineage({ ShardFilter: { Type: "AFTER_SHARD_ID", ShardId: shard(2) } }), [shard(3), shard(4)]);

      // The filter travels in the NextToken.
      const first = await kinesis.send(new ListShardsCommand({ StreamName: "lineage", ShardFilter: { Type: "AT_LATEST" }, MaxResults: 1 }));
      assert.deepEqual(ids(first.Shards), [shard(2)]);
      const second = await kinesis.send(new ListShardsCommand({ NextToken: first.NextToken, MaxResults: 1 }));
      assert.deepEqual(ids(second.Shards), [shard(4)]);
      assert.equal(second.NextToken, undefined);

      // A day after the split, shard 0's records are past the 24-hour retention: it is expired and no longer listed.
      clock.set(t1 + 24 * hourMs + 60_000);
      assert.deepEqual(await lineage({}), [shard(1), shard(2), shard(3), shard(4)]);
      assert.deepEqual(await lineage({ ShardFilter: { Type: "AT_TRIM_HORIZON" } }), [shard(1), shard(2), shard(3)]);
      assert.deepEqual(await lineage({ ShardFilter: { Type: "AT_TIMESTAMP", Timestamp: new Date(t0) } }), [shard(1), shard(2), shard(3)]);
      assert.deepEqual(await lineage({ ShardFilter: { Type: "FROM_TIMESTAMP", Timestamp: new Date(t0) } }), [shard(1), shard(2), shard(3), shard(4)]);
      clock.set(t2 + 24 * hourMs + 60_000);
      assert.deepEqual(await lineage({}), [shard(2), shard(4)]);
    });

    it("rejects ShardFilter members that do not go with its type", async () => {
      const bad: Array<[ListShardsCommandInput["ShardFilter"], RegExp]> = [
        [{ Type: "AFTER_SHARD_ID" }, /Must specify ShardId/],
        [{ Type: "AT_TIMESTAMP" }, /Must specify Timestamp/],
        [{ Type: "FROM_TIMESTAMP" }, /Must specify Timestamp/],
        [{ Type: "AT_LATEST", ShardId: shard(0) }, /ShardId in ShardFilter can only be used with the ShardFilter type AFTER_SHARD_ID/],
        [{ Type: "AT_TRIM_HORIZON", Timestamp: new Date(clock.now()) }, /Timestamp in ShardFilter can only be used/],
      ];
      for (const [filter, message] of bad) {
        const error = await awsError(kinesis.send(new ListShardsCommand({ StreamName: "three", ShardFilter: filter })), "InvalidArgumentException");
        assert.match(error.message, message);
      }
      const unknown = await awsError(
        kinesis.send(new ListShardsCommand({ StreamName: "three", ShardFilter: { Type: "SOMETIMES" as "AT_LATEST" } })),
        "ValidationException",
      );
      assert.match(unknown.message, /at 'shardFilter.type' failed to satisfy constraint: Member must satisfy enum value set/);
    });
  });
}

describe("ListShards page size", async () => {
  const server = await startServer();
  const kinesis = kinesisClient(server.endpoint);

  it("returns at most 1000 shards per call whatever MaxResults says, and 1000 by default", async () => {
    await kinesis.send(new CreateStreamCommand({ StreamName: "wide", ShardCount: 1001 }));
    const capped = await kinesis.send(new ListShardsCommand({ StreamName: "wide", MaxResults: 10000 }));
    assert.equal(capped.Shards?.length, 1000);
    assert.ok(capped.NextToken);
    const rest = await kinesis.send(new ListShardsCommand({ NextToken: capped.NextToken, MaxResults: 10000 }));
    assert.deepEqual(ids(rest.Shards), [shard(1000)]);
    assert.equal(rest.NextToken, undefined);
    const byDefault = await kinesis.send(new ListShardsCommand({ StreamName: "wide" }));
    assert.equal(byDefault.Shards?.length, 1000);
  });
});
