/**
 * One Firehose stream's delivery: reads the stream's log (one partition) from its checkpoint, buffers records,
 * and writes one object per flush, then commits the new checkpoint. A flush happens when the buffer reaches
 * BufferingHints.SizeInMBs, or once its first record is IntervalInSeconds old, whichever comes first (AWS's rule),
 * and when the server stops gracefully. The checkpoint moves only after the object is durable, so delivery is
 * at-least-once: a crash between the two writes the same records again, in a new object, after restart.
 *
 * The loop never polls. It parks on `LogStore.waitForAppend` and, while records are buffered, a timer set for the
 * flush deadline as the injected clock tells it. `whenIdle()` wakes it to look at the clock again and resolves once
 * it has read every durable record and flushed whatever is due, so tests move a ManualClock instead of sleeping.
 */
import { randomUUID } from "node:crypto";
import { promisify } from "node:util";
import { gzip } from "node:zlib";
import { deliveryDefaults } from "../config/limits.js";
import type { LogStore, StoredRecord } from "../storage/log-store.js";
import type { Clock } from "../util/clock.js";
import { bucketOf, type DeliveryStreamRecord } from "./model.js";
import { objectKey } from "./object-keys.js";
import type { ObjectWriter } from "./local-objects.js";

const gzipAsync = promisify(gzip);
const MiB = 1024 * 1024;

export interface DeliveryLoopContext {
  readonly log: LogStore;
  readonly clock: Clock;
  readonly writer: ObjectWriter;
  /** Makes `offset` the stream's durable checkpoint. */
  commitCheckpoint(stream: DeliveryStreamRecord, offset: number): Promise<void>;
  onError(stream: DeliveryStreamRecord, error: unknown, what: string): void;
  /** After a failed read or object write, wait this long before trying again. */
  readonly retryDelayMs: number;
}

type StopMode = "flush" | "abandon";

export class DeliveryLoop {
  private buffer: StoredRecord[] = [];
  private bufferBytes = 0;
  private readOffset: number;
  private wake: AbortController | null = null;
  /** whenIdle() callers that registered before the current pass began: resolved when it parks. */
  private idleWaiters: Array<() => void> = [];
  /** whenIdle() callers that registered during the current pass: they need one more pass. */
  private pendingIdleWaiters: Array<() => void> = [];
  private stopMode: StopMode | null = null;
  private readonly finished: Promise<void>;
  /** Objects written since start (for logs and tests). */
  objectsWritten = 0;

  constructor(
    private stream: DeliveryStreamRecord,
    checkpoint: number,
    private readonly context: DeliveryLoopContext,
  ) {
    this.readOffset = checkpoint;
    this.finished = this.run().finally(() => {
      for (const resolve of [...this.idleWaiters, ...this.pendingIdleWaiters]) resolve();
      this.idleWaiters = [];
      this.pendingIdleWaiters = [];
    });
  }

  /** Takes a changed definition (tags, UpdateDestination); its settings apply from the next decision. */
  update(stream: DeliveryStreamRecord): void {
    this.stream = stream;
    // A shorter interval or smaller size may make the buffer due now: look again.
    this.wake?.abort();
  }

  /** Resolves once the loop has read every record durable at the time of the call and flushed what is due by the clock. */
  whenIdle(): Promise<void> {
    if (this.stopMode !== null) return this.finished;
    const idle = new Promise<void>((resolve) => this.pendingIdleWaiters.push(resolve));
    this.wake?.abort();
    return idle;
  }

  /** Graceful: reads what is left, flushes it (one attempt), and ends. */
  stop(mode: StopMode): Promise<void> {
    this.stopMode ??= mode;
    this.wake?.abort();
    return this.finished;
  }

  private get sizeBytes(): number {
    return this.stream.destination.sizeInMBs * MiB;
  }

  private flushDueAt(): number | null {
    if (this.buffer.length === 0) return null;
    return this.buffer[0]!.timestamp + this.stream.destination.intervalInSeconds * 1000;
  }

  private async run(): Promise<void> {
    for (;;) {
      if (this.stopMode === "abandon") return;
      this.idleWaiters.push(...this.pendingIdleWaiters);
      this.pendingIdleWaiters = [];
      let atEnd: boolean;
      try {
        atEnd = await this.readMore();
      } catch (error) {
        if (this.stopMode !== null) return;
        this.context.onError(this.stream, error, "reading the stream's log failed");
        await this.pause(this.context.retryDelayMs);
        continue;
      }
      const dueAt = this.flushDueAt();
      const due = dueAt !== null && (this.bufferBytes >= this.sizeBytes || (atEnd && (this.context.clock.now() >= dueAt || this.stopMode === "flush")));
      if (due) {
        try {
          await this.flush();
        } catch (error) {
          this.context.onError(this.stream, error, "writing an object failed; the records stay in the log and are retried");
          // On a graceful stop, give up: the checkpoint did not move, so a restart delivers them.
          if (this.stopMode !== null) return;
          await this.pause(this.context.retryDelayMs);
        }
        continue;
      }
      if (!atEnd) continue;
      if (this.stopMode === "flush") return;
      if (this.pendingIdleWaiters.length > 0) continue;
      for (const resolve of this.idleWaiters) resolve();
      this.idleWaiters = [];
      await this.park(dueAt);
    }
  }

  /** Reads the next records into the buffer, never (but for one record) past the size hint; true when at the end. */
  private async readMore(): Promise<boolean> {
    const room = Math.max(1, this.sizeBytes - this.bufferBytes);
    const read = await this.context.log.read(this.stream.logName, 0, this.readOffset, {
      maxRecords: deliveryDefaults.readMaxRecords,
      maxBytes: room,
    });
    for (const record of read.records) {
      this.buffer.push(record);
      this.bufferBytes += record.value.length;
    }
    this.readOffset = read.nextOffset;
    return read.nextOffset >= read.endOffset;
  }

  private async flush(): Promise<void> {
    const records = this.buffer;
    const stream = this.stream;
    const data = Buffer.concat(records.map((record) => record.value));
    const body = stream.destination.compressionFormat === "GZIP" ? await gzipAsync(data) : data;
    const key = objectKey(stream, records[0]!.timestamp, randomUUID());
    await this.context.writer.put(bucketOf(stream.destination.bucketArn), key, body);
    const checkpoint = records.at(-1)!.offset + 1;
    await this.context.commitCheckpoint(stream, checkpoint);
    this.buffer = [];
    this.bufferBytes = 0;
    this.objectsWritten++;
    try {
      await this.context.log.trim(stream.logName, 0, checkpoint);
    } catch (error) {
      this.context.onError(stream, error, "trimming delivered records failed");
    }
  }

  /** Waits for an append, the flush deadline, or a wake-up (whenIdle, stop). */
  private async park(dueAt: number | null): Promise<void> {
    const wake = new AbortController();
    this.wake = wake;
    let timer: NodeJS.Timeout | undefined;
    if (dueAt !== null) {
      timer = setTimeout(() => wake.abort(), Math.max(0, dueAt - this.context.clock.now()));
      timer.unref();
    }
    try {
      if (this.stopMode === null) await this.context.log.waitForAppend(this.stream.logName, 0, this.readOffset, wake.signal);
    } catch {
      // Woken, or the log went away (the stream is being deleted): the next pass decides.
    } finally {
      clearTimeout(timer);
      this.wake = null;
    }
  }

  private async pause(ms: number): Promise<void> {
    const wake = new AbortController();
    this.wake = wake;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake.signal.addEventListener("abort", () => {
        clearTimeout(timer);
        resolve();
      });
    });
    this.wake = null;
  }
}
