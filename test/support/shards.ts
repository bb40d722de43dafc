/** Helpers for tests that reshard: listing every shard, reading a shard to its end, splitting a shard in half. */
import assert from "node:assert/strict";
import {
  type _Record,
  type ChildShard,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  ListShardsCommand,
  type Shard,
  SplitShardCommand,
} from "@aws-sdk/client-kinesis";

export const maxHashKey = (1n << 128n) - 1n;

export function shardId(n: number): string {
  return `shardId-${String(n).padStart(12, "0")}`;
}

/** Every shard of a stream, through ListShards pages. */
export async function listAllShards(kinesis: KinesisClient, streamName: string, maxResults = 1000): Promise<Shard[]> {
  const shards: Shard[] = [];
  let page = await kinesis.send(new ListShardsCommand({ StreamName: streamName, MaxResults: maxResults }));
  for (let pages = 0; pages < 1000; pages++) {
    shards.push(...page.Shards!);
    if (page.NextToken === undefined) return shards;
    page = await kinesis.send(new ListShardsCommand({ NextToken: page.NextToken, MaxResults: maxResults }));
  }
  throw new Error("ListShards did not finish in 1000 pages");
}

export interface ShardRead {
  readonly records: _Record[];
  /** Set when the shard is closed and was read to its end (NextShardIterator null). */
  readonly childShards?: ChildShard[];
}

/**
 * Reads a shard from TRIM_HORIZON: a closed shard until GetRecords ends it (no NextShardIterator, ChildShards), an
 * open one until a call returns nothing and is caught up.
 */
export async function readShard(
  kinesis: KinesisClient,
  streamName: string,
  id: string,
  limit = 1000,
  /** Runs before each GetRecords: a test on a ManualClock moves time so the shard's read allowance refills. */
  beforeEachRead: () => void = () => undefined,
): Promise<ShardRead> {
  const records: _Record[] = [];
  let iterator = (await kinesis.send(new GetShardIteratorCommand({ StreamName: streamName, ShardId: id, ShardIteratorType: "TRIM_HORIZON" })))
    .ShardIterator;
  for (let calls = 0; calls < 100_000; calls++) {
    beforeEachRead();
    const read = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: limit }));
    records.push(...read.Records!);
    if (read.NextShardIterator === undefined) {
      assert.ok(read.ChildShards !== undefined && read.ChildShards.length > 0, `closed shard ${id} ends with its ChildShards`);
      return { records, childShards: read.ChildShards };
    }
    if (read.Records!.length === 0 && read.MillisBehindLatest === 0) return { records };
    iterator = read.NextShardIterator;
  }
  throw new Error(`shard ${id} did not end in 100000 GetRecords calls`);
}

export function range(shard: Shard): { start: bigint; end: bigint } {
  return { start: BigInt(shard.HashKeyRange!.StartingHashKey!), end: BigInt(shard.HashKeyRange!.EndingHashKey!) };
}

/** Splits an open shard at the midpoint of its hash key range; returns that key. */
export async function splitInHalf(kinesis: KinesisClient, streamName: string, id: string): Promise<bigint> {
  const shard = (await listAllShards(kinesis, streamName)).find((candidate) => candidate.ShardId === id);
  assert.ok(shard !== undefined, `${id} exists`);
  const { start, end } = range(shard);
  const middle = start + (end - start + 1n) / 2n;
  await kinesis.send(new SplitShardCommand({ StreamName: streamName, ShardToSplit: id, NewStartingHashKey: middle.toString() }));
  return middle;
}

/** The open shards' ranges cover the hash key space once, without gaps or overlaps. */
export function assertCoversKeySpace(shards: readonly Shard[]): void {
  const open = shards.filter((shard) => shard.SequenceNumberRange!.EndingSequenceNumber === undefined).map(range);
  open.sort((a, b) => (a.start < b.start ? -1 : 1));
  assert.equal(open[0]!.start, 0n);
  assert.equal(open.at(-1)!.end, maxHashKey);
  for (let i = 1; i < open.length; i++) assert.equal(open[i]!.start, open[i - 1]!.end + 1n, "open shards are contiguous");
}
