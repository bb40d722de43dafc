/**
 * One Firehose stream's delivery: reads the stream's log (one partition) from its checkpoint, runs the records
 * through the stream's processors, buffers them (one buffer per dynamic partition, else one), and hands each buffer
 * to the destination when it is due, then commits the new checkpoint. A buffer is due when it holds the
 * destination's SizeInMBs, or once its first record is IntervalInSeconds old, whichever comes first (AWS's rule),
 * and when the server stops gracefully. Records that fail on the way (processing, partitioning) are written to the
 * error output before the checkpoint passes them. The checkpoint is the offset of the oldest record still buffered
 * and moves only after what precedes it is durable at the destination, so delivery is at-least-once: a crash in
 * between delivers the same records again, in new objects, after restart.
 *
 * The loop never polls. It parks on `LogStore.waitForAppend` and, while records are buffered, a timer set for the
 * earliest flush deadline as the injected clock tells it. `whenIdle()` wakes it to look at the clock again and
 * resolves once it has read every durable record and delivered whatever is due, so tests move a ManualClock instead
 * of sleeping.
 */
import { deliveryDefaults } from "../config/limits.js";
import type { LogStore, StoredRecord } from "../storage/log-store.js";
import type { Clock } from "../util/clock.js";
import type { DeliveryPlan } from "./delivery-plan.js";
import { LoopWaits } from "./loop-waits.js";
import type { DeliveryStreamRecord } from "./model.js";
import { kinesisMetadataOf } from "./kinesis-source.js";
import type { DeliveryRecord, FailedRecord } from "./pipeline.js";

export interface DeliveryLoopContext {
  readonly log: LogStore;
  readonly clock: Clock;
  /** How the stream's current definition processes, partitions and delivers records. */
  planFor(stream: DeliveryStreamRecord): DeliveryPlan;
  /** Makes `offset` the stream's durable checkpoint. */
  commitCheckpoint(stream: DeliveryStreamRecord, offset: number): Promise<void>;
  onError(stream: DeliveryStreamRecord, error: unknown, what: string): void;
  /** A delivery succeeded after failures (clears the failure DescribeDeliveryStream shows). */
  onRecovered(stream: DeliveryStreamRecord): void;
  /** After a failed read or delivery, wait this long before trying again, doubling per failure in a row (to 32×). */
  readonly retryDelayMs: number;
}

type StopMode = "flush" | "abandon";

/** The records buffered for one partition (the only one without dynamic partitioning), or for the source backup. */
interface PartitionBuffer {
  readonly records: DeliveryRecord[];
  bytes: number;
}

/** The buffer of records as read, before processing, for the source backup (never a partition's key: those are JSON). */
const sourceBackupKey = "source-backup";

export class DeliveryLoop {
  private readonly buffers = new Map<string, PartitionBuffer>();
  private bufferedBytes = 0;
  private readOffset: number;
  /**
   * The clock when the last read began: every record appended before then has been read (when it reached the end).
   * A buffer is due by time only once this passes its deadline, so records that arrived within its window while
   * the read's records were being processed (a Lambda, jq) are read into it, not into the next window.
   */
  private readAt = -Infinity;
  private plan: DeliveryPlan;
  private readonly waits = new LoopWaits();
  private stopMode: StopMode | null = null;
  /**
   * Aborted when a stop has waited `deliveryDefaults.stopGraceMs` for the last deliveries (at once when abandoning):
   * ends retries (an HTTP endpoint's can take hours) and writes in flight, so a stop is never held up for long.
   */
  private readonly stopping = new AbortController();
  /** Failures in a row since the last success: the retry delay doubles with each. */
  private failuresInARow = 0;
  private readonly finished: Promise<void>;
  /** Deliveries made since start (objects written, requests answered; for logs and tests). */
  objectsWritten = 0;

  constructor(
    private stream: DeliveryStreamRecord,
    private checkpoint: number,
    private readonly context: DeliveryLoopContext,
  ) {
    this.readOffset = checkpoint;
    this.plan = context.planFor(stream);
    this.finished = this.run().finally(() => this.waits.settleAll());
  }

  /** Takes a changed definition (tags, UpdateDestination); its settings apply from the next decision. */
  update(stream: DeliveryStreamRecord): void {
    this.stream = stream;
    this.plan = this.context.planFor(stream);
    // A shorter interval or smaller size may make a buffer due now: look again.
    this.waits.wakeUp();
  }

  /** Resolves once the loop has read every record durable at the time of the call and delivered what is due by the clock. */
  whenIdle(): Promise<void> {
    if (this.stopMode !== null) return this.finished;
    return this.waits.whenIdle();
  }

  /** Graceful: reads what is left, delivers it (one attempt), and ends. */
  stop(mode: StopMode): Promise<void> {
    this.stopMode ??= mode;
    if (mode === "abandon") this.stopping.abort();
    else setTimeout(() => this.stopping.abort(), deliveryDefaults.stopGraceMs).unref();
    this.waits.wakeUp();
    return this.finished;
  }

  private async run(): Promise<void> {
    for (;;) {
      if (this.stopMode === "abandon") return;
      this.waits.passBegins();
      let atEnd: boolean;
      try {
        atEnd = this.bufferedBytes >= this.readAheadBytes() ? true : await this.readMore();
      } catch (error) {
        if (this.stopMode !== null) return;
        this.fail(error, "reading or processing the stream's records failed; they are read again");
        await this.waits.pause(this.retryDelay());
        continue;
      }
      const due = this.dueBuffer(atEnd);
      if (due !== null) {
        try {
          await this.deliver(due);
        } catch (error) {
          this.fail(error, "delivering to the destination failed; the records stay in the log and are retried");
          // On a graceful stop, give up: the checkpoint did not pass them, so a restart delivers them.
          if (this.stopMode !== null) return;
          await this.waits.pause(this.retryDelay());
        }
        continue;
      }
      if (!atEnd) continue;
      if (this.stopMode === "flush") return;
      if (!this.waits.settleIfIdle()) continue;
      await this.park(this.nextDeadline());
    }
  }

  /** Buffered bytes beyond which the loop stops reading and delivers instead (bounds memory with many partitions). */
  private readAheadBytes(): number {
    return Math.max(this.plan.sizeBytes, deliveryDefaults.maxBufferedBytes);
  }

  /** Reads the next records, processes them and buffers them; true when at the end of the log. */
  private async readMore(): Promise<boolean> {
    this.readAt = this.context.clock.now();
    const read = await this.context.log.read(this.stream.logName, 0, this.readOffset, {
      maxRecords: deliveryDefaults.readMaxRecords,
      maxBytes: Math.max(1, Math.min(this.readRoom(), this.readAheadBytes() - this.bufferedBytes)),
    });
    if (read.records.length > 0) {
      // Nothing is buffered until the read is wholly processed and its failures are written: if either throws, the
      // same records are read again, and must not be in a buffer twice.
      const records = read.records.map(deliveryRecordOf);
      const outcome = await this.plan.process(records, this.stopping.signal);
      const failed: FailedRecord[] = [...outcome.failed];
      const routed: Array<[string, DeliveryRecord]> = [];
      const opened = new Set<string>();
      for (const record of outcome.delivered) {
        const partition = this.plan.partitionOf(record);
        if (typeof partition !== "string") {
          failed.push(partition);
        } else if (!this.buffers.has(partition) && !opened.has(partition) && this.partitionCount() + opened.size >= this.plan.maxPartitions) {
          failed.push(this.plan.partitionLimitExceeded(record));
        } else {
          if (!this.buffers.has(partition)) opened.add(partition);
          routed.push([partition, record]);
        }
      }
      // Failures are written before anything can move the checkpoint past them.
      if (failed.length > 0) await this.plan.writeFailures(failed, this.stopping.signal);
      if (this.plan.sourceBackup !== null) for (const record of records) this.buffer(sourceBackupKey, record);
      for (const [partition, record] of routed) this.buffer(partition, record);
    }
    this.readOffset = read.nextOffset;
    await this.moveCheckpoint();
    return read.nextOffset >= read.endOffset;
  }

  private buffer(key: string, record: DeliveryRecord): void {
    let buffer = this.buffers.get(key);
    if (buffer === undefined) {
      buffer = { records: [], bytes: 0 };
      this.buffers.set(key, buffer);
    }
    buffer.records.push(record);
    buffer.bytes += record.data.length;
    this.bufferedBytes += record.data.length;
  }

  private partitionCount(): number {
    return this.buffers.size - (this.buffers.has(sourceBackupKey) ? 1 : 0);
  }

  /** A buffer's BufferingHints: the destination's, or the source backup's for its buffer. */
  private limitsOf(key: string): { readonly sizeBytes: number; readonly intervalMs: number } {
    return key === sourceBackupKey && this.plan.sourceBackup !== null ? this.plan.sourceBackup : this.plan;
  }

  /**
   * How much one read may take: what the fullest buffer has room for, so that no object exceeds SizeInMBs by more
   * than one record. With dynamic partitioning a read may not know where its records go, and one buffer near its
   * size would shrink every read to a record (one Lambda or jq call each): reads take at least 1/16 of the size
   * there, so an object may exceed SizeInMBs by that much. The source backup's buffer takes every record read.
   */
  private readRoom(): number {
    let fullest = 0;
    for (const [key, buffer] of this.buffers) if (key !== sourceBackupKey) fullest = Math.max(fullest, buffer.bytes);
    const room = this.plan.sizeBytes - fullest;
    const partitionsRoom = this.plan.maxPartitions > 1 ? Math.max(room, Math.floor(this.plan.sizeBytes / 16)) : room;
    const backup = this.plan.sourceBackup;
    return backup === null ? partitionsRoom : Math.min(partitionsRoom, backup.sizeBytes - (this.buffers.get(sourceBackupKey)?.bytes ?? 0));
  }

  /** The buffer to deliver now, if any: a full one first, else (at the end of the log) the one whose time is up. */
  private dueBuffer(atEnd: boolean): string | null {
    let oldest: string | null = null;
    let oldestArrival = Infinity;
    let earliestDue: string | null = null;
    let earliestDueAt = Infinity;
    for (const [key, buffer] of this.buffers) {
      const limits = this.limitsOf(key);
      if (buffer.bytes >= limits.sizeBytes) return key;
      const arrival = buffer.records[0]!.arrivedAt;
      if (arrival < oldestArrival) {
        oldest = key;
        oldestArrival = arrival;
      }
      if (arrival + limits.intervalMs < earliestDueAt) {
        earliestDue = key;
        earliestDueAt = arrival + limits.intervalMs;
      }
    }
    if (oldest === null) return null;
    // Over the read-ahead bound: make room by delivering the oldest buffer early.
    if (this.bufferedBytes >= this.readAheadBytes()) return oldest;
    if (!atEnd) return null;
    if (this.stopMode === "flush") return oldest;
    return this.readAt >= earliestDueAt ? earliestDue : null;
  }

  private nextDeadline(): number | null {
    let earliest: number | null = null;
    for (const [key, buffer] of this.buffers) {
      const dueAt = buffer.records[0]!.arrivedAt + this.limitsOf(key).intervalMs;
      if (earliest === null || dueAt < earliest) earliest = dueAt;
    }
    return earliest;
  }

  private async deliver(partition: string): Promise<void> {
    const buffer = this.buffers.get(partition)!;
    const backup = partition === sourceBackupKey ? this.plan.sourceBackup : null;
    if (backup !== null) await backup.deliver(buffer.records, this.stopping.signal);
    else await this.plan.deliver(buffer.records, this.stopping.signal);
    this.buffers.delete(partition);
    this.bufferedBytes -= buffer.bytes;
    this.objectsWritten++;
    if (this.failuresInARow > 0) {
      this.failuresInARow = 0;
      this.context.onRecovered(this.stream);
    }
    await this.moveCheckpoint();
  }

  /** Commits the offset of the oldest record still buffered (or the read position) and trims the log below it. */
  private async moveCheckpoint(): Promise<void> {
    let checkpoint = this.readOffset;
    for (const buffer of this.buffers.values()) checkpoint = Math.min(checkpoint, buffer.records[0]!.offset);
    if (checkpoint <= this.checkpoint) return;
    await this.context.commitCheckpoint(this.stream, checkpoint);
    this.checkpoint = checkpoint;
    try {
      await this.context.log.trim(this.stream.logName, 0, checkpoint);
    } catch (error) {
      this.context.onError(this.stream, error, "trimming delivered records failed");
    }
  }

  private retryDelay(): number {
    return this.context.retryDelayMs * 2 ** Math.min(this.failuresInARow - 1, deliveryDefaults.retryBackoffDoublings);
  }

  private fail(error: unknown, what: string): void {
    this.failuresInARow++;
    this.context.onError(this.stream, error, what);
  }

  /** Waits for an append, the earliest flush deadline, or a wake-up (whenIdle, stop). */
  private async park(dueAt: number | null): Promise<void> {
    const timer = dueAt === null ? undefined : setTimeout(() => this.waits.wakeUp(), Math.max(0, dueAt - this.context.clock.now()));
    timer?.unref();
    try {
      await this.waits.wakeable(async (signal) => {
        if (this.stopMode === null) await this.context.log.waitForAppend(this.stream.logName, 0, this.readOffset, signal);
      });
    } catch {
      // Woken, or the log went away (the stream is being deleted): the next pass decides.
    } finally {
      clearTimeout(timer);
    }
  }
}

/** A log record as the pipeline sees it; a Kinesis source stores the record's origin in the log record's key. */
function deliveryRecordOf(stored: StoredRecord): DeliveryRecord {
  const kinesis = kinesisMetadataOf(stored.key);
  return {
    offset: stored.offset,
    arrivedAt: kinesis?.approximateArrivalTimestamp ?? stored.timestamp,
    data: stored.value,
    partitionKeys: null,
    ...(kinesis === undefined ? {} : { kinesis }),
  };
}
