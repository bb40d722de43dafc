/**
 * One partition of the embedded log: a directory of segments (segment.ts), the group-commit writer, reads by
 * offset and by time, retention, and the waiters for new data.
 *
 * Directory `<log>/<partition number>/`:
 *   00000000000000000000.log / .index     segments, named by base offset
 *   start-offset                          decimal; present only after a trim that cut inside a segment
 *
 * Writes: each append is encoded into a batch at once, and queues up while a write round runs; the next round seals
 * the queued batches (offsets, timestamp, checksum), writes them into the active segment, makes them durable, and
 * only then acknowledges and makes the records readable. Within a round, sealed batches are written in chunks of
 * `roundWriteChunkBytes` while later ones are still being checksummed, so that work overlaps the copy into the page
 * cache. Under fsync `always`, a small round in flight beside others is
 * made durable by the store's write-ahead file (write-ahead-log.ts), which takes the rounds of every partition in one
 * durable write, and its segment is synced later (when a checkpoint asks, when it is sealed, when the store closes);
 * a large or lone round is synced in its segment (a small lone one in a quiet store writes from the event loop,
 * without the thread pool). Plain segment writes go through write-thread.ts. After a crash, `open` puts back what
 * the write-ahead file holds and the segment lost. Rounds, rolls, retention, syncs and close run one at a time on
 * `serial`, so the file state is only ever changed by one of them.
 * A failed write is cut back off the file before anyone can read it; a failed fsync fences the partition.
 */
import { constants } from "node:fs";
import { type FileHandle, mkdir, open, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { logStorageDefaults } from "../../config/limits.js";
import type { Clock } from "../../util/clock.js";
import { AppendWaiters } from "../append-waiters.js";
import { RecentBatches } from "./recent-batches.js";
import { writeUnsynced } from "./write-thread.js";
import type { WriteAheadLog } from "./write-ahead-log.js";
import {
  CorruptDataError,
  PartitionFencedError,
  StorageError,
  StorageIoError,
  StoreClosedError,
} from "../errors.js";
import type {
  AppendRecord,
  AppendResult,
  PartitionStats,
  ReadLimits,
  ReadResult,
  RetentionPolicy,
  StoredRecord,
} from "../log-store.js";
import { batchHeaderBytes, encodeUnsealedBatch, readBatchHeader, sealBatch } from "./batch.js";
import { durableWrites, fsyncDirectory, isNotFound, writeFileAtomic, writeFully, writeFullyNow } from "../../util/files.js";
import type { IndexCache } from "./index-cache.js";
import {
  entryFor,
  findBatchAtOrAfter,
  indexSuffix,
  loadSealedIndex,
  logSuffix,
  readAt,
  readRecords,
  readVerifiedBatch,
  scanBatches,
  type ScanEnd,
  Segment,
  sealIndex,
} from "./segment.js";
import { type IndexEntry, SegmentIndex } from "./segment-index.js";

export interface PartitionOptions {
  readonly segmentBytes: number;
  readonly segmentMs: number;
  readonly indexIntervalBytes: number;
  readonly readChunkBytes: number;
  readonly clock: Clock;
  readonly indexCache: IndexCache;
  /** Told about damage found and cut during recovery. */
  readonly onRecovery: (message: string) => void;
}

/** This partition's place in the store's write-ahead file (write-ahead-log.ts). */
export interface PartitionWriteAhead {
  /** The store's write-ahead file under fsync `always`; null under `interval` and `never`, which sync rounds later. */
  readonly file: WriteAheadLog | null;
  /** How the file names the partition's log. */
  readonly logId: Buffer;
  /** What the write-ahead file of a crashed run holds for this partition, oldest first: put back at open. */
  readonly recovered: readonly Buffer[];
}

/**
 * How a write round becomes durable: through the write-ahead file; by an fdatasync of its segment after it; by its
 * one write through the O_DSYNC descriptor; or later (fsync `interval`, `never`).
 */
type RoundDurability = "write-ahead" | "sync" | "own-write" | "later";

interface PendingAppend {
  /** The records, encoded when appended; sealed by the round that writes them. */
  readonly batch: Buffer;
  readonly count: number;
  readonly resolve: (result: AppendResult) => void;
  readonly reject: (error: unknown) => void;
}

const startOffsetFile = "start-offset";

export class Partition {
  private readonly segments: Segment[];
  private startOffset: number;
  /** One past the last durable record: the readable end. */
  private endOffset: number;
  /** Bytes of the active segment that hold durable records. */
  private durablePosition: number;
  private dirty = false;
  private fenced: StorageError | null = null;
  private closed: StorageError | null = null;
  private pending: PendingAppend[] = [];
  private roundQueued = false;
  private serial: Promise<unknown> = Promise.resolve();
  private readonly waiters = new AppendWaiters();
  private readonly recent = new RecentBatches(logStorageDefaults.recentBatchBytes);
  /** Newest arrival time in the partition; arrival times never go back, even if the clock does. */
  private lastTimestamp: number | null;

  private constructor(
    readonly log: string,
    readonly partition: number,
    private readonly dir: string,
    private readonly options: PartitionOptions,
    private readonly writeAheadFile: WriteAheadLog | null,
    private readonly logId: Buffer,
    segments: Segment[],
    startOffset: number,
    lastTimestamp: number | null,
  ) {
    this.segments = segments;
    this.lastTimestamp = lastTimestamp;
    const active = this.active;
    this.startOffset = Math.max(startOffset, segments[0]?.baseOffset ?? 0);
    this.endOffset = active.nextOffset;
    this.durablePosition = active.size;
  }

  /** Opens (creating if needed) the partition in `dir`, recovering the active segment's tail. */
  static async open(
    log: string,
    partition: number,
    dir: string,
    options: PartitionOptions,
    writeAhead: PartitionWriteAhead,
  ): Promise<Partition> {
    const created = (await mkdir(dir, { recursive: true })) !== undefined;
    const { file, logId } = writeAhead;
    if (created) return new Partition(log, partition, dir, options, file, logId, [await createSegment(dir, 0)], 0, null);
    const names = await readdir(dir);
    const bases = names
      .filter((name) => name.endsWith(logSuffix))
      .map((name) => Number(name.slice(0, -logSuffix.length)))
      .filter((base) => Number.isSafeInteger(base))
      .sort((a, b) => a - b);
    const baseSet = new Set(bases);
    for (const name of names) {
      const orphanIndex = name.endsWith(indexSuffix) && !baseSet.has(Number(name.slice(0, -indexSuffix.length)));
      if (orphanIndex || name.endsWith(".tmp")) await rm(join(dir, name), { force: true });
    }
    const checkpointedStart = await readStartOffset(dir);
    const segments: Segment[] = [];
    for (let i = 0; i < bases.length - 1; i++) {
      const base = bases[i]!;
      const size = (await stat(join(dir, `${String(base).padStart(20, "0")}${logSuffix}`))).size;
      segments.push(new Segment(dir, base, { size, nextOffset: bases[i + 1]!, firstTimestamp: null, lastTimestamp: null }));
    }
    const activeBase = bases.at(-1) ?? checkpointedStart;
    const active = await recoverActiveSegment(dir, activeBase, options, writeAhead.recovered);
    segments.push(active);
    try {
      if (bases.length === 0) await fsyncDirectory(dir);
      const previous = segments.at(-2);
      const lastTimestamp =
        active.lastTimestamp ??
        (previous === undefined
          ? null
          : ((await loadSealedIndex(previous, options.readChunkBytes, options.indexIntervalBytes)).last()?.timestamp ?? null));
      return new Partition(log, partition, dir, options, file, logId, segments, checkpointedStart, lastTimestamp);
    } catch (error) {
      await active.closeFiles();
      throw error;
    }
  }

  private get active(): Segment {
    return this.segments[this.segments.length - 1]!;
  }

  append(records: readonly AppendRecord[]): Promise<AppendResult> {
    const refusal = this.closed ?? this.fenced;
    if (refusal !== null) return Promise.reject(refusal);
    let batch: Buffer;
    try {
      batch = encodeUnsealedBatch(records);
    } catch (error) {
      return Promise.reject(error as Error);
    }
    return new Promise((resolve, reject) => {
      this.pending.push({ batch, count: records.length, resolve, reject });
      this.queueRound();
    });
  }

  async read(fromOffset: number, limits: ReadLimits): Promise<ReadResult> {
    this.assertOpen();
    for (;;) {
      const endOffset = this.endOffset;
      const start = Math.max(fromOffset, this.startOffset);
      const records: StoredRecord[] = [];
      if (start >= endOffset || limits.maxRecords <= 0) return { records, nextOffset: start, endOffset };
      if (!this.recent.read(start, limits, records)) {
        try {
          await this.readInto(start, endOffset, limits, records);
        } catch (error) {
          // Retention deleted a segment under the read: start again from the new start offset.
          if (isNotFound(error) && this.startOffset > start) continue;
          throw this.asStorageError(error, "read");
        }
      }
      const last = records.at(-1);
      return { records, nextOffset: last === undefined ? start : last.offset + 1, endOffset };
    }
  }

  async offsetForTimestamp(timestamp: number): Promise<number> {
    this.assertOpen();
    const segments = this.segments.slice();
    for (const segment of segments) {
      const lastTimestamp = await this.lastTimestampOf(segment);
      if (lastTimestamp === null || lastTimestamp < timestamp) continue;
      if (segment.nextOffset <= this.startOffset) continue;
      const index = await this.indexOf(segment);
      const position = index.lastBefore(timestamp)?.position ?? 0;
      const handle = await open(segment.logPath, "r");
      try {
        const header = await findBatchAtOrAfter(handle, position, this.readableEnd(segment), timestamp);
        if (header !== null) return Math.max(header.baseOffset, this.startOffset);
      } finally {
        await handle.close();
      }
    }
    return this.endOffset;
  }

  trim(beforeOffset: number): Promise<void> {
    this.assertOpen();
    return this.runSerially(async () => {
      const target = Math.min(beforeOffset, this.endOffset);
      if (target <= this.startOffset) return;
      this.startOffset = target;
      await writeFileAtomic(join(this.dir, startOffsetFile), String(target));
      await this.deleteSegmentsBelowStart();
    });
  }

  /** Deletes whole segments past the retention period or size, and hides expired records in the first survivor. */
  enforceRetention(policy: RetentionPolicy): Promise<void> {
    if (this.closed !== null) return Promise.resolve();
    return this.runSerially(async () => {
      if (policy.retentionMs !== null) {
        const cutoff = this.options.clock.now() - policy.retentionMs;
        const active = this.active;
        if (active.size > 0 && active.lastTimestamp !== null && active.lastTimestamp < cutoff) {
          await this.roll();
        }
        while (this.segments.length > 1) {
          const lastTimestamp = await this.lastTimestampOf(this.segments[0]!);
          if (lastTimestamp !== null && lastTimestamp >= cutoff) break;
          this.startOffset = Math.max(this.startOffset, this.segments[0]!.nextOffset);
          await this.deleteSegmentsBelowStart();
        }
        this.startOffset = Math.max(this.startOffset, await this.offsetForTimestamp(cutoff));
      }
      if (policy.retentionBytes !== null) {
        while (this.segments.length > 1 && this.sizeBytes() > policy.retentionBytes) {
          this.startOffset = Math.max(this.startOffset, this.segments[0]!.nextOffset);
          await this.deleteSegmentsBelowStart();
        }
      }
    });
  }

  stats(): PartitionStats {
    return {
      startOffset: this.startOffset,
      endOffset: this.endOffset,
      sizeBytes: this.sizeBytes(),
      segmentCount: this.segments.length,
      lastAppendTimestamp: this.lastTimestamp,
    };
  }

  waitForAppend(offset: number, signal?: AbortSignal): Promise<void> {
    if (this.closed !== null) return Promise.reject(this.closed);
    return this.waiters.wait(offset, this.endOffset, signal);
  }

  /**
   * Makes everything written so far durable in the segment: `--fsync interval` on its timer, and a write-ahead
   * checkpoint (which also needs the round in flight, whose segment write may not have finished yet).
   */
  flush(): Promise<void> {
    if (this.closed !== null) return Promise.resolve();
    return this.runSerially(() => (this.dirty ? this.syncActive() : Promise.resolve()));
  }

  /** Fenced partitions may hold acknowledged rounds that only the write-ahead file has. */
  get isFenced(): boolean {
    return this.fenced !== null;
  }

  /**
   * Finishes queued appends, makes everything durable and closes the files. Afterwards every call fails with
   * `reason` (StoreClosedError on shutdown, LogNotFoundError when the log is being deleted).
   */
  async close(reason: StorageError = new StoreClosedError()): Promise<void> {
    if (this.closed !== null) return;
    if (!(reason instanceof StoreClosedError)) this.failPending(reason);
    const finished = this.runSerially(async () => {
      const active = this.active;
      if (this.dirty && this.fenced === null) await this.syncActive();
      // The index is a hint that the next start verifies and completes: failing to write it (a full disk) must
      // not keep the files from closing.
      if (this.fenced === null && active.indexHandle !== null) await writeUnwrittenIndex(active).catch(() => undefined);
      await active.indexHandle?.datasync();
      await active.closeFiles();
    });
    this.closed = reason;
    this.recent.clear();
    try {
      await finished;
    } finally {
      this.waiters.failAll(reason);
    }
  }

  private queueRound(): void {
    if (this.roundQueued) return;
    this.roundQueued = true;
    this.writeAheadFile?.roundQueued();
    void this.runSerially(() => this.writeRound());
  }

  private runSerially<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.serial.then(operation);
    this.serial = result.catch(() => undefined);
    return result;
  }

  private takeRound(): PendingAppend[] {
    let bytes = 0;
    let count = 0;
    while (
      count < this.pending.length &&
      (count === 0 || bytes < logStorageDefaults.writeRoundMaxBytes) &&
      count < logStorageDefaults.writeRoundMaxAppends
    ) {
      bytes += this.pending[count]!.batch.length;
      count++;
    }
    return this.pending.splice(0, count);
  }

  private async writeRound(): Promise<void> {
    this.roundQueued = false;
    this.writeAheadFile?.roundTaken();
    const round = this.takeRound();
    if (round.length === 0) return;
    if (this.pending.length > 0) this.queueRound();
    if (this.fenced !== null) {
      for (const append of round) append.reject(this.fenced);
      return;
    }
    try {
      if (this.shouldRoll()) await this.roll();
    } catch (error) {
      const failure = this.asStorageError(error, "segment roll");
      for (const append of round) append.reject(failure);
      return;
    }
    const active = this.active;
    const timestamp = Math.max(this.options.clock.now(), this.lastTimestamp ?? 0);
    const logWrites: Array<Promise<void>> = [];
    let unwritten: Buffer[] = [];
    let unwrittenAt = active.size;
    let unwrittenBytes = 0;
    /**
     * Writes what is sealed so far: through `durable` (O_DSYNC) if given, from the event loop if `fromLoop`, else
     * a plain write (writeUnsynced).
     */
    const startWrite = (durable: FileHandle | null, fromLoop = false): void => {
      logWrites.push(
        durable === null
          ? writeUnsynced(active.logHandle!, unwritten, unwrittenAt)
          : fromLoop
            ? writeFullyNow(durable.fd, unwritten, unwrittenAt)
            : writeFully(durable, unwritten, unwrittenAt),
      );
      unwritten = [];
      unwrittenAt += unwrittenBytes;
      unwrittenBytes = 0;
    };
    const accepted: Array<{ append: PendingAppend; result: AppendResult }> = [];
    const acceptedBatches: Buffer[] = [];
    const newEntries: IndexEntry[] = [];
    let offset = active.nextOffset;
    let position = active.size;
    let sinceEntry = active.bytesSinceIndexEntry;
    let lastBatch: IndexEntry | null = null;
    for (const append of round) {
      const batch = append.batch;
      sealBatch(batch, offset, timestamp);
      const entry = { relativeOffset: offset - active.baseOffset, position, timestamp };
      if (sinceEntry >= this.options.indexIntervalBytes) {
        newEntries.push(entry);
        sinceEntry = 0;
      }
      sinceEntry += batch.length;
      lastBatch = entry;
      accepted.push({ append, result: { baseOffset: offset, count: append.count, timestamp } });
      offset += append.count;
      position += batch.length;
      unwritten.push(batch);
      acceptedBatches.push(batch);
      unwrittenBytes += batch.length;
      if (unwrittenBytes >= logStorageDefaults.roundWriteChunkBytes) startWrite(null);
    }
    let durability: RoundDurability = this.durabilityOf(position - active.size);
    const quiet = this.writeAheadFile?.quiet === true && position - active.size <= logStorageDefaults.quietWriteMaxBytes;
    this.writeAheadFile?.roundStarted();
    try {
      let durableLog: FileHandle | null = null;
      if (durability === "sync" && logWrites.length === 0 && !this.dirty) {
        durableLog = await this.durableLog(active);
        if (durableLog !== null) durability = "own-write";
      }
      if (unwritten.length > 0) startWrite(durableLog, quiet);
      try {
        const writtenAhead = durability === "write-ahead" ? acceptedBatches : null;
        await this.writeToActive(active, logWrites, writtenAhead, newEntries, position - active.size);
      } catch (error) {
        const failure = this.asStorageError(error, "append");
        for (const { append } of accepted) append.reject(failure);
        return;
      }
      active.size = position;
      active.nextOffset = offset;
      active.firstTimestamp ??= timestamp;
      active.lastTimestamp = timestamp;
      active.bytesSinceIndexEntry = sinceEntry;
      active.lastBatch = lastBatch;
      this.lastTimestamp = timestamp;
      if (durability === "sync") {
        try {
          await active.logHandle!.datasync();
        } catch (error) {
          this.fence(error);
          for (const { append } of accepted) append.reject(this.fenced);
          return;
        }
      }
      this.dirty = durability === "write-ahead" || durability === "later";
    } finally {
      this.writeAheadFile?.roundEnded();
    }
    for (const batch of acceptedBatches) this.recent.add(batch);
    this.publish();
    for (const { append, result } of accepted) append.resolve(result);
  }

  /**
   * How a round of `bytes` is made durable. Under fsync `always` a small round goes to the write-ahead file, where
   * it shares one durable write with the other partitions' rounds in flight. A large one is synced in its segment,
   * which writes its bytes once rather than twice; so is a round with no other in flight or queued in the store, which
   * has nothing to share a write with (a lone PutRecord: one O_DSYNC write instead of a plain write and a durable
   * one). A PutRecords on several shards queues all its rounds before the first decides: they share one frame.
   * Under `interval` and `never`, later.
   */
  private durabilityOf(bytes: number): RoundDurability {
    const file = this.writeAheadFile;
    if (file === null) return "later";
    return bytes >= logStorageDefaults.writeAheadRoundMaxBytes || file.idle ? "sync" : "write-ahead";
  }

  /**
   * Under fsync `always`, the active segment's log file opened a second time with O_DSYNC, for a large round written
   * in one piece when nothing before it in the segment awaits a sync: that write returns durable, one trip to the
   * thread pool instead of two. Opened at its first such round, so that idle shards hold no extra descriptor; null
   * where the platform has no O_DSYNC or the open fails (the round then ends with an fdatasync).
   */
  private async durableLog(active: Segment): Promise<FileHandle | null> {
    if (durableWrites === undefined) return null;
    active.durableLogHandle ??= await open(active.logPath, constants.O_WRONLY | durableWrites).catch(() => null);
    return active.durableLogHandle;
  }

  /**
   * Finishes the round's batch writes and makes `writtenAhead` durable in the write-ahead file (unless null), or cuts
   * the segment back to where it was; then adds the round's index entries, writing the index file when they are due.
   */
  private async writeToActive(
    active: Segment,
    logWrites: Array<Promise<void>>,
    writtenAhead: readonly Buffer[] | null,
    entries: IndexEntry[],
    bytes: number,
  ): Promise<void> {
    try {
      // Every write must have ended before the file may be cut back: wait for all, then fail with the first failure.
      for (const outcome of await Promise.allSettled(logWrites)) {
        if (outcome.status === "rejected") throw outcome.reason;
      }
      // Only after the segment write, and last: the write-ahead file only ever holds rounds that are acknowledged.
      if (writtenAhead !== null) await this.writeAheadFile!.commit(this.logId, this.partition, writtenAhead);
    } catch (error) {
      try {
        await active.logHandle!.truncate(active.size);
      } catch (truncateError) {
        this.fence(truncateError);
      }
      throw error;
    }
    const index = active.index!;
    for (const entry of entries) active.unwrittenIndexEntries.push(index.append(entry));
    active.bytesSinceIndexWrite += bytes;
    // The index is a hint that recovery verifies and completes: a failed write of it (a full disk) leaves its entries
    // for the next attempt rather than fail a round that is already durable.
    if (active.bytesSinceIndexWrite >= logStorageDefaults.indexWriteIntervalBytes) {
      await writeUnwrittenIndex(active).catch(() => undefined);
    }
  }

  private shouldRoll(): boolean {
    const active = this.active;
    if (active.size === 0) return false;
    const age = this.options.clock.now() - (active.firstTimestamp ?? this.options.clock.now());
    return active.size >= this.options.segmentBytes || age >= this.options.segmentMs;
  }

  /** Seals the active segment and starts a new one at the next offset. */
  private async roll(): Promise<void> {
    const old = this.active;
    // The old segment is durable before the next one exists, so recovery never sees a sealed segment with a tail
    // that was not synced, and only ever has to put back the active segment's tail from the write-ahead file.
    try {
      const finalEntry = sealIndex(old.index!, old.lastBatch);
      if (finalEntry !== null) old.unwrittenIndexEntries.push(finalEntry);
      await writeUnwrittenIndex(old);
      await old.logHandle!.datasync();
      await old.indexHandle!.datasync();
    } catch (error) {
      this.fence(error);
      throw error;
    }
    const next = await createSegment(this.dir, old.nextOffset);
    await old.closeFiles();
    this.options.indexCache.touch(old);
    this.segments.push(next);
    this.durablePosition = 0;
    this.dirty = false;
  }

  private async syncActive(): Promise<void> {
    try {
      await this.active.logHandle?.datasync();
      this.dirty = false;
    } catch (error) {
      this.fence(error);
      throw this.fenced;
    }
  }

  private publish(): void {
    this.endOffset = this.active.nextOffset;
    this.durablePosition = this.active.size;
    this.waiters.advance(this.endOffset);
  }

  private async readInto(start: number, endOffset: number, limits: ReadLimits, records: StoredRecord[]): Promise<void> {
    const first = this.segmentFor(start);
    const segments = this.segments.slice(first);
    let bytes = 0;
    for (const segment of segments) {
      if (segment.baseOffset >= endOffset) return;
      const index = await this.indexOf(segment);
      const entry = start > segment.baseOffset ? index.floorByOffset(start - segment.baseOffset) : null;
      const handle = await open(segment.logPath, "r");
      try {
        const result = await readRecords(
          handle,
          entry?.position ?? 0,
          segment.baseOffset + (entry?.relativeOffset ?? 0),
          this.readableEnd(segment),
          start,
          { maxRecords: limits.maxRecords, maxBytes: limits.maxBytes, chunkBytes: this.options.readChunkBytes },
          records,
          bytes,
        );
        if (result.full) return;
        bytes = result.bytes;
      } finally {
        await handle.close();
      }
    }
  }

  /** The segment holding `offset`: the last one whose base offset is at or below it. */
  private segmentFor(offset: number): number {
    let low = 0;
    let high = this.segments.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >>> 1;
      if (this.segments[mid]!.baseOffset <= offset) low = mid;
      else high = mid - 1;
    }
    return low;
  }

  private readableEnd(segment: Segment): number {
    return segment === this.active ? this.durablePosition : segment.size;
  }

  private async indexOf(segment: Segment): Promise<SegmentIndex> {
    if (segment.index === null) {
      segment.index = await loadSealedIndex(segment, this.options.readChunkBytes, this.options.indexIntervalBytes);
      segment.lastTimestamp ??= segment.index.last()?.timestamp ?? null;
    }
    if (!segment.isActive) this.options.indexCache.touch(segment);
    return segment.index;
  }

  private async lastTimestampOf(segment: Segment): Promise<number | null> {
    if (segment.lastTimestamp === null && !segment.isActive && segment.size > 0) await this.indexOf(segment);
    return segment.lastTimestamp;
  }

  private async deleteSegmentsBelowStart(): Promise<void> {
    while (this.segments.length > 1 && this.segments[0]!.nextOffset <= this.startOffset) {
      const segment = this.segments.shift()!;
      this.options.indexCache.forget(segment);
      await rm(segment.logPath, { force: true });
      await rm(segment.indexPath, { force: true });
    }
  }

  private sizeBytes(): number {
    let bytes = 0;
    for (const segment of this.segments) bytes += segment.size;
    return bytes;
  }

  private fence(cause: unknown): void {
    this.fenced ??= new PartitionFencedError(this.log, this.partition, { cause });
  }

  private failPending(reason: StorageError): void {
    for (const append of this.pending.splice(0)) append.reject(reason);
  }

  private assertOpen(): void {
    if (this.closed !== null) throw this.closed;
  }

  private asStorageError(error: unknown, what: string): StorageError {
    if (error instanceof StorageError) return error;
    const code = (error as NodeJS.ErrnoException | null)?.code ?? "unknown error";
    return new StorageIoError(`${what} failed on log ${JSON.stringify(this.log)} partition ${this.partition}: ${code}`, {
      cause: error,
    });
  }
}

async function readStartOffset(dir: string): Promise<number> {
  try {
    const value = Number((await readFile(join(dir, startOffsetFile), "utf8")).trim());
    return Number.isSafeInteger(value) && value >= 0 ? value : 0;
  } catch (error) {
    if (isNotFound(error)) return 0;
    throw error;
  }
}

/** Writes the segment's index entries that its index file lacks, after the ones it has. */
async function writeUnwrittenIndex(segment: Segment): Promise<void> {
  const entries = segment.unwrittenIndexEntries;
  if (entries.length > 0) {
    await writeFully(segment.indexHandle!, entries, segment.indexFileBytes);
    for (const entry of entries) segment.indexFileBytes += entry.length;
  }
  segment.unwrittenIndexEntries = [];
  segment.bytesSinceIndexWrite = 0;
}

async function createSegment(dir: string, baseOffset: number): Promise<Segment> {
  const segment = new Segment(dir, baseOffset, { size: 0, nextOffset: baseOffset, firstTimestamp: null, lastTimestamp: null });
  segment.logHandle = await open(segment.logPath, "w+");
  try {
    segment.indexHandle = await open(segment.indexPath, "w+");
    await fsyncDirectory(dir);
  } catch (error) {
    await segment.closeFiles();
    throw error;
  }
  segment.index = SegmentIndex.empty();
  return segment;
}

/**
 * Opens the last segment for appending. Its tail may be torn or garbled by a crash: verify from the last index entry
 * that still checks out, cut the file after the last valid batch, put back what the write-ahead file holds past that
 * (`recovered`), and bring the index up to date.
 */
async function recoverActiveSegment(
  dir: string,
  baseOffset: number,
  options: PartitionOptions,
  recovered: readonly Buffer[],
): Promise<Segment> {
  const segment = new Segment(dir, baseOffset, { size: 0, nextOffset: baseOffset, firstTimestamp: null, lastTimestamp: null });
  // "a+" creates the file if this is a new partition; appends then use positional writes, which "a" would ignore.
  await (await open(segment.logPath, "a+")).close();
  const handle = await open(segment.logPath, "r+");
  segment.logHandle = handle;
  try {
    const fileBytes = (await handle.stat()).size;
    let indexBytes = Buffer.alloc(0);
    try {
      indexBytes = await readFile(segment.indexPath);
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    const index = SegmentIndex.fromFile(indexBytes, fileBytes);
    let tail = await scanTail(handle, segment, index, fileBytes, options);
    if (tail.end.damage !== null || tail.end.position < fileBytes) {
      options.onRecovery(
        `cut ${fileBytes - tail.end.position} bytes from the end of ${segment.logPath}: ${tail.end.damage ?? "trailing bytes"}`,
      );
      await handle.truncate(tail.end.position);
      await handle.datasync();
    }
    const replayed = await replayWrittenAhead(handle, segment, index, tail.end, recovered, options);
    if (replayed !== null) tail = await scanTail(handle, segment, index, replayed, options);
    const end = tail.end;
    await writeFile(segment.indexPath, index.bytes());
    segment.indexHandle = await open(segment.indexPath, "r+");
    segment.index = index;
    segment.indexFileBytes = index.bytes().length;
    segment.size = end.position;
    segment.nextOffset = end.nextOffset;
    segment.bytesSinceIndexEntry = tail.sinceEntry;
    segment.lastBatch = tail.lastBatch;
    segment.lastTimestamp = end.lastTimestamp;
    if (end.position > 0) {
      const first = readBatchHeader(await readAt(handle, 0, batchHeaderBytes), 0);
      segment.firstTimestamp = first?.timestamp ?? null;
    }
    return segment;
  } catch (error) {
    await segment.closeFiles();
    throw error;
  }
}

/**
 * Drops the index's last entries until one points at the batch it names, then walks the valid batches from there to
 * `fileBytes`, adding the index entries that are due.
 */
async function scanTail(
  handle: FileHandle,
  segment: Segment,
  index: SegmentIndex,
  fileBytes: number,
  options: PartitionOptions,
): Promise<{ end: ScanEnd; sinceEntry: number; lastBatch: IndexEntry | null }> {
  let scanFrom = { position: 0, offset: segment.baseOffset };
  for (let entry = index.last(); entry !== null; entry = index.last()) {
    const batch = await readVerifiedBatch(handle, fileBytes, segment.baseOffset, entry);
    if (batch !== null) {
      scanFrom = { position: entry.position, offset: segment.baseOffset + entry.relativeOffset };
      break;
    }
    index.dropLast();
  }
  let sinceEntry = 0;
  let lastBatch: IndexEntry | null = null;
  const end = await scanBatches(handle, scanFrom.position, fileBytes, scanFrom.offset, options.readChunkBytes, (header, position) => {
    if (index.last()?.position !== position && sinceEntry >= options.indexIntervalBytes) {
      index.append(entryFor(segment, header, position));
      sinceEntry = 0;
    }
    sinceEntry += header.length;
    lastBatch = entryFor(segment, header, position);
  });
  return { end, sinceEntry, lastBatch };
}

/**
 * Puts back into the active segment what the write-ahead file holds for it (`recovered`: acknowledged rounds, oldest
 * first; those of sealed segments, synced when sealed, are skipped). A batch the segment has byte for byte is kept;
 * from the first one it lacks or has otherwise, the write-ahead file is the record and the segment is rewritten.
 * Rounds made durable in the segment itself are not in the write-ahead file, but everything before them in the segment
 * was synced with them, so they are never missing. Returns the file's new size, or null if nothing was written.
 */
async function replayWrittenAhead(
  handle: FileHandle,
  segment: Segment,
  index: SegmentIndex,
  end: ScanEnd,
  recovered: readonly Buffer[],
  options: PartitionOptions,
): Promise<number | null> {
  const batches = recovered
    .map((bytes) => ({ bytes, header: readBatchHeader(bytes, 0)! }))
    .filter(({ header }) => header.baseOffset >= segment.baseOffset);
  if (batches.length === 0) return null;
  const onDisk = await batchPositions(handle, segment, index, batches[0]!.header.baseOffset, end, options);
  let chunk: Buffer = Buffer.alloc(0);
  let chunkStart = 0;
  const segmentHas = async (batch: Buffer, position: number): Promise<boolean> => {
    if (position < chunkStart || position + batch.length > chunkStart + chunk.length) {
      chunkStart = position;
      chunk = await readAt(handle, position, Math.max(batch.length, Math.min(options.readChunkBytes, end.position - position)));
    }
    return chunk.subarray(position - chunkStart, position - chunkStart + batch.length).equals(batch);
  };
  let cut: number | null = null;
  let next = end.nextOffset;
  const missing: Buffer[] = [];
  let missingFrom = next;
  let missingBytes = 0;
  for (const { bytes: batch, header } of batches) {
    if (cut === null && header.baseOffset < end.nextOffset) {
      const position = onDisk.get(header.baseOffset);
      if (position === undefined) {
        throw new CorruptDataError(`no batch of ${segment.logPath} starts at offset ${header.baseOffset}, where the write-ahead file has one`);
      }
      if (await segmentHas(batch, position)) continue;
      cut = position;
      next = header.baseOffset;
    }
    if (header.baseOffset !== next) {
      throw new CorruptDataError(
        `${segment.logPath} ends at offset ${next}, and the write-ahead file only continues it from offset ${header.baseOffset}`,
      );
    }
    cut ??= end.position;
    if (missing.length === 0) missingFrom = header.baseOffset;
    missing.push(batch);
    missingBytes += batch.length;
    next = header.baseOffset + header.recordCount;
  }
  if (cut === null) return null;
  await handle.truncate(cut);
  await writeFully(handle, missing, cut);
  await handle.datasync();
  index.truncateAtPosition(cut);
  options.onRecovery(`put back offsets ${missingFrom} to ${next - 1} of ${segment.logPath} from the write-ahead file`);
  return cut + missingBytes;
}

/** Where each batch from the one holding `fromOffset` to the end of the segment's valid part starts, by offset. */
async function batchPositions(
  handle: FileHandle,
  segment: Segment,
  index: SegmentIndex,
  fromOffset: number,
  end: ScanEnd,
  options: PartitionOptions,
): Promise<Map<number, number>> {
  const entry = index.floorByOffset(fromOffset - segment.baseOffset);
  const positions = new Map<number, number>();
  await scanBatches(
    handle,
    entry?.position ?? 0,
    end.position,
    segment.baseOffset + (entry?.relativeOffset ?? 0),
    options.readChunkBytes,
    (header, position) => void positions.set(header.baseOffset, position),
  );
  return positions;
}
