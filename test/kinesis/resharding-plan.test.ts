/** UpdateShardCount's plan, checked exhaustively on small streams: shard counts, key space, lineage, sizes. */
import assert from "node:assert/strict";
import { it } from "node:test";
import { evenRanges, maxHashKey } from "../../src/streams/hash-keys.js";
import { isOpen, type ShardRecord, type StreamRecord, shardIdFor } from "../../src/streams/model.js";
import { applyReshard, midpoint, uniformScalingPlan } from "../../src/streams/resharding.js";
import { parseSequenceNumber, shardStartingSequenceNumber } from "../../src/streams/sequence-numbers.js";

function streamOf(count: number): StreamRecord {
  return {
    name: "plan",
    arn: "arn:aws:kinesis:us-east-1:000000000000:stream/plan",
    region: "us-east-1",
    logName: "kinesis/us-east-1/plan/0",
    createdAt: 1_700_000_000_000,
    activeAt: 1_700_000_000_000,
    updatingUntil: 0,
    mode: "PROVISIONED",
    retentionHours: 24,
    maxRecordSizeKiB: 1024,
    shards: evenRanges(count).map((range, partition) => ({
      shardId: shardIdFor(partition),
      partition,
      startingHashKey: range.start.toString(),
      endingHashKey: range.end.toString(),
      startingSequenceNumber: shardStartingSequenceNumber(1_700_000_000, partition),
      createdAt: 1_700_000_000_000,
    })),
    tags: {},
    encryption: { type: "NONE" },
    shardLevelMetrics: [],
    consumers: [],
    shardCountUpdates: [],
  };
}

const sorted = (shards: readonly ShardRecord[]) =>
  shards.filter(isOpen).sort((a, b) => (BigInt(a.startingHashKey) < BigInt(b.startingHashKey) ? -1 : 1));

it("reaches every target from half to double with AWS's shard counts, covering the key space", () => {
  for (let n = 1; n <= 40; n++) {
    for (let target = Math.ceil(n / 2); target <= 2 * n; target++) {
      const stream = streamOf(n);
      const after = applyReshard(stream, uniformScalingPlan(sorted(stream.shards), target), 1_700_000_100_000, () => 7);
      const open = sorted(after.shards);
      const expectedTotal = target > n ? n + 2 * n + (2 * n - target) : target < n ? n + (n - target) : n;
      assert.equal(after.shards.length, expectedTotal, `${n} → ${target}`);
      assert.equal(open.length, target, `${n} → ${target}`);
      assert.equal(BigInt(open[0]!.startingHashKey), 0n);
      assert.equal(BigInt(open.at(-1)!.endingHashKey), maxHashKey);
      for (let i = 1; i < open.length; i++) assert.equal(BigInt(open[i]!.startingHashKey), BigInt(open[i - 1]!.endingHashKey) + 1n);
      const sizes = open.map((shard) => BigInt(shard.endingHashKey) - BigInt(shard.startingHashKey) + 1n);
      const smallest = sizes.reduce((a, b) => (a < b ? a : b));
      assert.ok(sizes.every((size) => size <= smallest * 2n + 64n), `${n} → ${target}: sizes within a factor of two`);
      after.shards.forEach((shard, i) => {
        assert.equal(shard.partition, i);
        assert.equal(shard.shardId, shardIdFor(i));
        if (i >= n) {
          assert.ok(shard.parentShardId !== undefined);
          const parents = [shard.parentShardId, shard.adjacentParentShardId].filter((id) => id !== undefined);
          for (const id of parents) assert.ok(after.shards.find((p) => p.shardId === id)!.closedAt !== undefined);
        }
        if (!isOpen(shard)) {
          // Shards that existed had 7 records; the short-lived ones none.
          const ending = parseSequenceNumber(shard.endingSequenceNumber!)!;
          assert.equal(ending.offset, i < n ? 6 : -1);
          assert.equal(shard.endOffset, i < n ? 7 : 0);
        }
      });
    }
  }
});

it("splits a range in halves, the upper one taking the odd key", () => {
  assert.equal(midpoint(0n, maxHashKey), 1n << 127n);
  assert.equal(midpoint(0n, 1n), 1n);
  assert.equal(midpoint(4n, 6n), 5n); // [4, 4] and [5, 6]
});
