/**
 * Resharding: SplitShard, MergeShards, UpdateShardCount, UpdateStreamMode, and the rule that splits the hot shards
 * of ON_DEMAND streams.
 *
 * Every reshard is a list of splits and merges applied to the stream's record in one atomic metadata commit:
 *
 *   1. under the stream's control-plane lock (StreamCatalog.serialize) the request is checked against the record;
 *   2. the stream's gate is taken exclusively: that waits for the appends in flight (they hold it shared) and holds
 *      new ones back, so the parents' partitions stop growing;
 *   3. each parent is closed at its partition's end offset (endOffset, EndingSequenceNumber, closedAt); each child
 *      gets the next partition of the log (LogStore.addPartitions), so its sequence numbers are above every
 *      parent's (the partition is part of the number);
 *   4. the new record is committed and becomes the routing table the held-back appends route by.
 *
 * So no acknowledged record is lost or lands in a closed shard: an append that routed by the old map finished
 * before the close and lies below the parent's endOffset; one that routes by the new map goes to a child.
 *
 * Shards are identified in a plan by their starting hash key, which is unique among the open shards at any point,
 * so a plan can refer to shards that earlier steps of the same plan create (UpdateShardCount's intermediates).
 */
import { kinesisLimits, kinesisSettingsLimits, onDemandScaling } from "../config/limits.js";
import type { LogStore } from "../storage/log-store.js";
import { invalidArgument, limitExceeded, resourceNotFound, validation } from "./errors.js";
import { isOpen, openShards, type ShardRecord, shardIdFor, type StreamMode, type StreamRecord, streamStatus } from "./model.js";
import { formatSequenceNumber, shardStartingSequenceNumber } from "./sequence-numbers.js";
import type { StreamRef } from "./stream-catalog.js";
import type { StreamsService } from "./streams-service.js";

export type ReshardOp =
  | { readonly kind: "split"; readonly shardStart: bigint; readonly newStartingHashKey: bigint }
  | { readonly kind: "merge"; readonly lowStart: bigint; readonly highStart: bigint };

export interface UpdateShardCountResult {
  readonly streamName: string;
  readonly streamArn: string;
  readonly currentShardCount: number;
  readonly targetShardCount: number;
}

const dayMs = 24 * 3_600_000;

export class Resharding {
  /** ON_DEMAND write counters: log name → partition → meter. In memory only; a restart starts them afresh. */
  private readonly meters = new Map<string, Map<number, WriteMeter>>();

  constructor(private readonly streams: StreamsService) {}

  async splitShard(ref: StreamRef, shardToSplit: string, newStartingHashKey: string): Promise<void> {
    await this.streams.catalog.serialize(ref, async () => {
      const record = this.streams.stream(ref).record;
      requireProvisioned(record);
      const shard = findShard(record, shardToSplit);
      this.streams.checkShardLimit(ref.region, 1);
      requireOpen(record, shard);
      const start = BigInt(shard.startingHashKey);
      const end = BigInt(shard.endingHashKey);
      const key = /^\d+$/.test(newStartingHashKey) ? BigInt(newStartingHashKey) : -1n;
      if (!(key > start + 1n && key < end)) {
        throw invalidArgument(
          `NewStartingHashKey ${newStartingHashKey} used in SplitShard() on shard ${shard.shardId} in stream ${record.name} under account ${kinesisLimits.accountId} is not both greater than one plus the shard's StartingHashKey ${shard.startingHashKey} and less than the shard's EndingHashKey ${shard.endingHashKey}.`,
        );
      }
      this.streams.requireActive(ref);
      await this.commit(ref, [{ kind: "split", shardStart: start, newStartingHashKey: key }], (next) => ({
        ...next,
        updatingUntil: this.streams.updatingUntil(),
      }));
    });
  }

  async mergeShards(ref: StreamRef, shardToMerge: string, adjacentShardToMerge: string): Promise<void> {
    await this.streams.catalog.serialize(ref, async () => {
      const record = this.streams.stream(ref).record;
      requireProvisioned(record);
      const low = findShard(record, shardToMerge);
      const high = findShard(record, adjacentShardToMerge);
      requireOpen(record, low);
      requireOpen(record, high);
      // AWS takes the pair in hash key order: ShardToMerge is the lower one.
      if (BigInt(low.endingHashKey) + 1n !== BigInt(high.startingHashKey)) {
        throw invalidArgument(
          `Shards ${low.shardId} and ${high.shardId} in stream ${record.name} under account ${kinesisLimits.accountId} are not an adjacent pair of shards eligible for merging`,
        );
      }
      this.streams.requireActive(ref);
      const op: ReshardOp = { kind: "merge", lowStart: BigInt(low.startingHashKey), highStart: BigInt(high.startingHashKey) };
      await this.commit(ref, [op], (next) => ({ ...next, updatingUntil: this.streams.updatingUntil() }));
    });
  }

  /**
   * UNIFORM_SCALING, as the set of splits and merges AWS is observed to perform (the total number of shards it
   * leaves behind matches AWS's): to scale up, split every open shard at its midpoint, then merge adjacent pairs
   * back down to the target; to scale down, merge adjacent pairs. The merged pairs are spread evenly over the key
   * space.
   */
  async updateShardCount(ref: StreamRef, targetShardCount: number): Promise<UpdateShardCountResult> {
    return this.streams.catalog.serialize(ref, async () => {
      const record = this.streams.stream(ref).record;
      requireProvisioned(record);
      this.streams.requireActive(ref);
      const open = openShards(record).sort(byStartingHashKey);
      const current = open.length;
      const target = targetShardCount;
      const counts = `Current open shard count: ${current}, Target shard count: ${target}`;
      const maxShards = kinesisLimits.updateShardCountMaxShards;
      if (target > maxShards || (current > maxShards && target >= maxShards)) {
        throw limitExceeded(`Target shard count or number of open shards cannot be greater than ${maxShards}. ${counts}`);
      }
      if (target > current * 2) {
        throw limitExceeded(`UpdateShardCount cannot scale up over double your current open shard count. ${counts}`);
      }
      if (target * 2 < current) {
        throw limitExceeded(`UpdateShardCount cannot scale down below half your current open shard count. ${counts}`);
      }
      const now = this.streams.now();
      const recent = record.shardCountUpdates.filter((time) => now - time < dayMs);
      if (recent.length >= kinesisLimits.updateShardCountPerRollingDay) {
        throw limitExceeded(
          `Exceeded the limit of ${kinesisLimits.updateShardCountPerRollingDay} UpdateShardCount calls per rolling 24 hours for stream ${record.name} under account ${kinesisLimits.accountId}.`,
        );
      }
      const result = { streamName: record.name, streamArn: record.arn, currentShardCount: current, targetShardCount: target };
      if (target === current) return result;
      if (target > current) {
        // The shards split off on the way up count against the account's limit while they exist, as in AWS.
        this.streams.checkShardLimit(ref.region, current);
        const unsplittable = open.find((shard) => shard.startingHashKey === shard.endingHashKey);
        if (unsplittable !== undefined) {
          throw invalidArgument(`Shard ${unsplittable.shardId} in stream ${record.name} under account ${kinesisLimits.accountId} covers a single hash key and cannot be split.`);
        }
      }
      await this.commit(ref, uniformScalingPlan(open, target), (next) => ({
        ...next,
        updatingUntil: this.streams.updatingUntil(),
        shardCountUpdates: [...recent, now],
      }));
      return result;
    });
  }

  /**
   * UpdateStreamMode. A warm throughput goes with a switch to ON_DEMAND only, and, as UpdateStreamWarmThroughput,
   * only while the account's MinimumThroughputBillingCommitment is in force (`commitmentActive`, which the caller
   * looks up in AccountSettingsService).
   */
  async updateStreamMode(
    ref: StreamRef,
    mode: StreamMode,
    warmThroughput?: { readonly mibps: number; readonly commitmentActive: boolean },
  ): Promise<void> {
    const warmThroughputMiBps = warmThroughput?.mibps;
    if (warmThroughput !== undefined) {
      if (mode !== "ON_DEMAND") {
        throw invalidArgument("WarmThroughputMiBps can only be specified when updating the stream mode to ON_DEMAND.");
      }
      if (warmThroughput.mibps > kinesisSettingsLimits.warmThroughputMaxMiBps) {
        throw invalidArgument(`WarmThroughputMiBps ${warmThroughput.mibps} exceeds the maximum of ${kinesisSettingsLimits.warmThroughputMaxMiBps} MiBps.`);
      }
      if (!warmThroughput.commitmentActive) {
        throw invalidArgument(
          `Warm throughput requires MinimumThroughputBillingCommitment to be enabled for account ${kinesisLimits.accountId}. Enable it with UpdateAccountSettings.`,
        );
      }
    }
    await this.streams.update(ref, (record) => {
      if (record.mode === mode) {
        return warmThroughputMiBps === undefined ? record : { ...record, warmThroughputMiBps };
      }
      const now = this.streams.now();
      const recent = (record.modeUpdates ?? []).filter((time) => now - time < dayMs);
      if (recent.length >= kinesisLimits.streamModeUpdatesPerRollingDay) {
        throw limitExceeded(
          `Stream ${record.name} under account ${kinesisLimits.accountId} can switch its capacity mode at most ${kinesisLimits.streamModeUpdatesPerRollingDay} times in a rolling 24 hour period.`,
        );
      }
      if (mode === "ON_DEMAND") {
        const onDemand = this.streams.listStreams(ref.region).filter((stream) => stream.record.mode === "ON_DEMAND").length;
        if (onDemand >= kinesisLimits.onDemandStreamCountLimit) {
          throw limitExceeded(
            `This request would exceed the limit of ${kinesisLimits.onDemandStreamCountLimit} on-demand streams for the account ${kinesisLimits.accountId} in ${ref.region}.`,
          );
        }
      }
      const { warmThroughputMiBps: _previous, ...rest } = record;
      return {
        ...rest,
        mode,
        ...(mode === "ON_DEMAND" && warmThroughputMiBps !== undefined ? { warmThroughputMiBps } : {}),
        updatingUntil: this.streams.updatingUntil(),
        modeUpdates: [...recent, now],
      };
    });
  }

  /**
   * Counts writes to a shard of an ON_DEMAND stream (a no-op for PROVISIONED ones). True when the shard is now over
   * its limit and `scaleOnDemand` should run once the append's gate is released.
   */
  recordWrites(record: StreamRecord, shard: ShardRecord, records: number, bytes: number): boolean {
    if (record.mode !== "ON_DEMAND") return false;
    let byPartition = this.meters.get(record.logName);
    if (byPartition === undefined) this.meters.set(record.logName, (byPartition = new Map()));
    let meter = byPartition.get(shard.partition);
    if (meter === undefined) byPartition.set(shard.partition, (meter = new WriteMeter(onDemandScaling.windowMs, onDemandScaling.bucketMs)));
    const now = this.streams.now();
    meter.add(now, records, bytes);
    return overLimit(meter, now);
  }

  /**
   * The ON_DEMAND rule (see `onDemandScaling` in limits.ts): splits every open shard whose write rate over the
   * window is above the per-shard limit at the midpoint of its range, as far as the account's shard limit allows.
   * The stream stays ACTIVE; a stream that is not ACTIVE (being updated) is left for a later write to scale.
   */
  async scaleOnDemand(ref: StreamRef): Promise<void> {
    await this.streams.catalog.serialize(ref, async () => {
      this.forgetDeletedStreams();
      const live = this.streams.catalog.find(ref);
      const now = this.streams.now();
      if (live === undefined || live.record.mode !== "ON_DEMAND" || streamStatus(live.record, now) !== "ACTIVE") return;
      const meters = this.meters.get(live.record.logName);
      const hot = openShards(live.record)
        .filter((shard) => BigInt(shard.endingHashKey) > BigInt(shard.startingHashKey))
        .filter((shard) => {
          const meter = meters?.get(shard.partition);
          return meter !== undefined && overLimit(meter, now);
        })
        .sort(byStartingHashKey);
      const room = kinesisLimits.shardLimit - this.streams.openShardCount(ref.region);
      const splitting = hot.slice(0, Math.max(0, room));
      if (splitting.length === 0) return;
      const ops = splitting.map((shard): ReshardOp => {
        const start = BigInt(shard.startingHashKey);
        return { kind: "split", shardStart: start, newStartingHashKey: midpoint(start, BigInt(shard.endingHashKey)) };
      });
      await this.commit(ref, ops, (next) => next);
    });
  }

  /** Steps 2–4 of the module comment. Runs inside `serialize`, after the request was checked. */
  private async commit(ref: StreamRef, ops: readonly ReshardOp[], finish: (next: StreamRecord) => StreamRecord): Promise<void> {
    const { catalog, log } = this.streams;
    await catalog.get(ref).gate.exclusive(async () => {
      const record = catalog.get(ref).record;
      const next = finish(
        applyReshard(record, ops, this.streams.now(), (partition) => log.stats(record.logName, partition).endOffset),
      );
      await ensurePartitions(log, record.logName, next.shards.length);
      await catalog.save(next);
      const meters = this.meters.get(record.logName);
      for (const shard of next.shards) if (!isOpen(shard)) meters?.delete(shard.partition);
    });
  }

  private forgetDeletedStreams(): void {
    const live = new Set(this.streams.catalog.all().map((stream) => stream.record.logName));
    for (const logName of this.meters.keys()) if (!live.has(logName)) this.meters.delete(logName);
  }
}

/**
 * The record after `ops`, applied in order at `now`. A closed shard keeps `endOffset` (one past its last record,
 * from `endOffsetOf` for shards that existed before) and gets the sequence number of its last record as
 * EndingSequenceNumber (its StartingSequenceNumber if it never had a record). Children take the next partitions.
 */
export function applyReshard(
  record: StreamRecord,
  ops: readonly ReshardOp[],
  now: number,
  endOffsetOf: (partition: number) => number,
): StreamRecord {
  const shards = [...record.shards];
  const firstNew = shards.length;
  const streamCreatedSeconds = Math.floor(record.createdAt / 1000);
  const openIndex = (start: bigint): number => {
    const index = shards.findIndex((shard) => isOpen(shard) && BigInt(shard.startingHashKey) === start);
    if (index < 0) throw new Error(`no open shard of stream ${record.name} starts at hash key ${start}`);
    return index;
  };
  const close = (index: number): ShardRecord => {
    const shard = shards[index]!;
    const endOffset = shard.partition >= firstNew ? 0 : endOffsetOf(shard.partition);
    const closed: ShardRecord = {
      ...shard,
      endOffset,
      endingSequenceNumber:
        endOffset > 0
          ? formatSequenceNumber({ streamCreatedSeconds, partition: shard.partition, offset: endOffset - 1 })
          : shard.startingSequenceNumber,
      closedAt: now,
    };
    shards[index] = closed;
    return closed;
  };
  const create = (start: bigint, end: bigint, parentShardId: string, adjacentParentShardId?: string): void => {
    const partition = shards.length;
    shards.push({
      shardId: shardIdFor(partition),
      partition,
      parentShardId,
      ...(adjacentParentShardId === undefined ? {} : { adjacentParentShardId }),
      startingHashKey: start.toString(),
      endingHashKey: end.toString(),
      startingSequenceNumber: shardStartingSequenceNumber(streamCreatedSeconds, partition),
      createdAt: now,
    });
  };
  for (const op of ops) {
    if (op.kind === "split") {
      const parent = close(openIndex(op.shardStart));
      const [start, end] = [BigInt(parent.startingHashKey), BigInt(parent.endingHashKey)];
      if (!(op.newStartingHashKey > start && op.newStartingHashKey <= end)) {
        throw new Error(`cannot split ${parent.shardId} at ${op.newStartingHashKey}`);
      }
      create(start, op.newStartingHashKey - 1n, parent.shardId);
      create(op.newStartingHashKey, end, parent.shardId);
    } else {
      const low = close(openIndex(op.lowStart));
      const high = close(openIndex(op.highStart));
      if (BigInt(low.endingHashKey) + 1n !== BigInt(high.startingHashKey)) {
        throw new Error(`${low.shardId} and ${high.shardId} are not adjacent`);
      }
      create(BigInt(low.startingHashKey), BigInt(high.endingHashKey), low.shardId, high.shardId);
    }
  }
  return { ...record, shards };
}

/**
 * UNIFORM_SCALING's splits and merges from `open` (sorted by starting hash key, all splittable) to `target` shards,
 * `target` between half and double of `open.length`.
 */
export function uniformScalingPlan(open: readonly ShardRecord[], target: number): ReshardOp[] {
  const n = open.length;
  const ops: ReshardOp[] = [];
  if (target > n) {
    const pieces: bigint[] = [];
    for (const shard of open) {
      const [start, end] = [BigInt(shard.startingHashKey), BigInt(shard.endingHashKey)];
      const middle = midpoint(start, end);
      ops.push({ kind: "split", shardStart: start, newStartingHashKey: middle });
      pieces.push(start, middle);
    }
    // 2n halves; merge m = 2n − target pairs, each across a boundary between two former shards (n − 1 of them).
    const merges = 2 * n - target;
    for (const k of spread(merges, n - 1)) ops.push({ kind: "merge", lowStart: pieces[2 * k + 1]!, highStart: pieces[2 * k + 2]! });
  } else if (target < n) {
    for (const k of spread(n - target, Math.floor(n / 2))) {
      ops.push({ kind: "merge", lowStart: BigInt(open[2 * k]!.startingHashKey), highStart: BigInt(open[2 * k + 1]!.startingHashKey) });
    }
  }
  return ops;
}

/** `count` distinct slots out of `slots`, evenly spaced (count ≤ slots). */
function spread(count: number, slots: number): number[] {
  return Array.from({ length: count }, (_, j) => Math.floor((j * slots) / count));
}

/** Where a range splits in two halves (the upper one gets the odd key). */
export function midpoint(start: bigint, end: bigint): bigint {
  return start + (end - start + 1n) / 2n;
}

async function ensurePartitions(log: LogStore, logName: string, count: number): Promise<void> {
  // Partitions beyond the record's shards can only be left by an earlier reshard whose commit failed: no shard
  // ever routed to them, so they are empty and are reused.
  const have = log.partitionCount(logName);
  if (have < count) await log.addPartitions(logName, count - have);
}

function requireProvisioned(record: StreamRecord): void {
  if (record.mode === "ON_DEMAND") {
    throw validation(`Request is invalid. Stream ${record.name} under account ${kinesisLimits.accountId} is in On-Demand mode.`);
  }
}

function findShard(record: StreamRecord, shardId: string): ShardRecord {
  const shard = record.shards.find((candidate) => candidate.shardId === shardId);
  if (shard === undefined) {
    throw resourceNotFound(`Could not find shard ${shardId} in stream ${record.name} under account ${kinesisLimits.accountId}.`);
  }
  return shard;
}

function requireOpen(record: StreamRecord, shard: ShardRecord): void {
  if (!isOpen(shard)) {
    throw invalidArgument(
      `Shard ${shard.shardId} in stream ${record.name} under account ${kinesisLimits.accountId} has already been merged or split, and thus is not eligible for merging or splitting.`,
    );
  }
}

function byStartingHashKey(a: ShardRecord, b: ShardRecord): number {
  const [x, y] = [BigInt(a.startingHashKey), BigInt(b.startingHashKey)];
  return x < y ? -1 : x > y ? 1 : 0;
}

function overLimit(meter: WriteMeter, now: number): boolean {
  const seconds = onDemandScaling.windowMs / 1000;
  const { bytes, records } = meter.totals(now);
  return bytes > kinesisLimits.shardWriteBytesPerSecond * seconds || records > kinesisLimits.shardWriteRecordsPerSecond * seconds;
}

/** Bytes and records written over a sliding window, in fixed buckets. */
export class WriteMeter {
  private readonly slots: number;
  private readonly bucketOf: number[];
  private readonly bytes: number[];
  private readonly records: number[];

  constructor(
    windowMs: number,
    private readonly bucketMs: number,
  ) {
    this.slots = Math.max(1, Math.ceil(windowMs / bucketMs));
    this.bucketOf = new Array<number>(this.slots).fill(-Infinity);
    this.bytes = new Array<number>(this.slots).fill(0);
    this.records = new Array<number>(this.slots).fill(0);
  }

  add(now: number, records: number, bytes: number): void {
    const bucket = Math.floor(now / this.bucketMs);
    const slot = ((bucket % this.slots) + this.slots) % this.slots;
    if (this.bucketOf[slot] !== bucket) {
      this.bucketOf[slot] = bucket;
      this.bytes[slot] = 0;
      this.records[slot] = 0;
    }
    this.bytes[slot]! += bytes;
    this.records[slot]! += records;
  }

  /** What was written in the current bucket and the ones before it, back one window. */
  totals(now: number): { bytes: number; records: number } {
    const bucket = Math.floor(now / this.bucketMs);
    let bytes = 0;
    let records = 0;
    for (let slot = 0; slot < this.slots; slot++) {
      const age = bucket - this.bucketOf[slot]!;
      if (age >= 0 && age < this.slots) {
        bytes += this.bytes[slot]!;
        records += this.records[slot]!;
      }
    }
    return { bytes, records };
  }
}
