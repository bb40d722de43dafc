/**
 * Reading a stream's shards from inside the server, for Firehose streams whose source is a Kinesis stream
 * (KinesisStreamAsSource). It reads the log directly, by offset: no shard iterators (they expire after five
 * minutes, and a reader inside the server needs none) and none of GetRecords' per-client read quotas. The caller
 * keeps its own position per shard and follows resharding through the stream's shard list (parents, end offsets).
 */
import { kinesisLimits } from "../config/limits.js";
import { LogNotFoundError } from "../storage/errors.js";
import { resolveStream } from "./arns.js";
import { isOpen, type ShardRecord, type StreamRecord, streamStatus } from "./model.js";
import { type ReadRecord, toReadRecords } from "./records-service.js";
import type { StreamRef } from "./stream-catalog.js";
import type { StreamsService } from "./streams-service.js";

export interface ShardReadResult {
  readonly records: ReadRecord[];
  /** Where the next read starts. */
  readonly nextOffset: number;
  /** Records between the requested offset and the first one still readable: gone by retention before being read. */
  readonly expired: number;
  /** The shard is closed (split or merged) and everything in it has been read. */
  readonly atShardEnd: boolean;
}

/** A shard and the offset its reader has reached. */
export interface ShardPosition {
  readonly shard: ShardRecord;
  readonly offset: number;
}

export class ShardReader {
  constructor(private readonly streams: StreamsService) {}

  /** The stream an ARN names, once it is past CREATING (as GetRecords finds it); undefined if there is none. */
  findByArn(arn: string): StreamRecord | undefined {
    let ref: StreamRef;
    try {
      ref = resolveStream("", { streamArn: arn });
    } catch {
      return undefined;
    }
    const record = this.streams.catalog.find(ref)?.record;
    return record === undefined || streamStatus(record, this.streams.now()) === "CREATING" ? undefined : record;
  }

  /** The stream as it is now, if it is still the one created at `createdAt` (not deleted, nor recreated). */
  current(ref: StreamRef, createdAt: number): StreamRecord | undefined {
    const record = this.streams.catalog.find(ref)?.record;
    return record?.createdAt === createdAt ? record : undefined;
  }

  /** Each shard's LATEST position now: the end of what it holds (a closed shard has nothing more to give). */
  latestOffsets(stream: StreamRecord): Record<string, number> {
    return Object.fromEntries(stream.shards.map((shard) => [shard.shardId, this.shardEnd(stream, shard) ?? this.partitionEnd(stream, shard)]));
  }

  /** Reads a shard from `fromOffset` (at most `maxRecords`), never past a closed shard's end. */
  async read(stream: StreamRecord, shard: ShardRecord, fromOffset: number, maxRecords: number): Promise<ShardReadResult> {
    const start = Math.max(fromOffset, this.streams.log.stats(stream.logName, shard.partition).startOffset);
    const end = this.shardEnd(stream, shard);
    const expired = Math.max(0, Math.min(start, end ?? start) - fromOffset);
    const limit = Math.min(maxRecords, kinesisLimits.getRecordsMaxRecords, end === undefined ? Number.POSITIVE_INFINITY : Math.max(0, end - start));
    if (limit === 0) return { records: [], nextOffset: Math.max(start, end ?? start), expired, atShardEnd: end !== undefined };
    const read = await this.streams.log.read(stream.logName, shard.partition, start, { maxRecords: limit, maxBytes: kinesisLimits.getRecordsMaxBytes });
    return {
      records: toReadRecords(stream, shard, read.records),
      nextOffset: read.nextOffset,
      expired,
      atShardEnd: end !== undefined && read.nextOffset >= end,
    };
  }

  /**
   * Resolves once one of the open shards has a record past its position, the stream's record changes (a reshard
   * closes shards and adds others; a deletion), or `signal` aborts. Never rejects: the caller looks again.
   */
  async waitForChange(stream: StreamRecord, positions: readonly ShardPosition[], signal: AbortSignal): Promise<void> {
    const waiting = new AbortController();
    const onAbort = (): void => waiting.abort();
    signal.addEventListener("abort", onAbort, { once: true });
    const ref = { region: stream.region, name: stream.name };
    const settled = (promise: Promise<void>): Promise<void> =>
      promise.catch((error: unknown) => {
        if (!waiting.signal.aborted && !(error instanceof LogNotFoundError)) throw error;
      });
    try {
      if (signal.aborted || this.current(ref, stream.createdAt) !== stream) return;
      await Promise.race([
        settled(this.streams.catalog.whenChanged(ref, waiting.signal)),
        ...positions
          .filter(({ shard }) => isOpen(shard))
          .map(({ shard, offset }) => settled(this.streams.log.waitForAppend(stream.logName, shard.partition, offset, waiting.signal))),
      ]);
    } finally {
      signal.removeEventListener("abort", onAbort);
      waiting.abort();
    }
  }

  /** One past a closed shard's last record; undefined while it is open. */
  private shardEnd(stream: StreamRecord, shard: ShardRecord): number | undefined {
    if (isOpen(shard)) return undefined;
    return shard.endOffset ?? this.partitionEnd(stream, shard);
  }

  private partitionEnd(stream: StreamRecord, shard: ShardRecord): number {
    return this.streams.log.stats(stream.logName, shard.partition).endOffset;
  }
}
