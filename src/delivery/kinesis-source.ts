/**
 * The source pump of a Firehose stream that reads a Kinesis data stream (DeliveryStreamType KinesisStreamAsSource).
 * It copies the Kinesis stream's records into the Firehose stream's own log, the one PutRecordBatch appends to
 * for a DirectPut stream, so the delivery loop downstream reads them like any others. Each copy's log key holds
 * where the record came from (KinesisRecordMetadata, as compact JSON) for what later needs it (Lambda events,
 * failure records); its log timestamp is the time of the copy, as LogStore assigns arrival times itself.
 *
 * Every shard of the stream is read, in AWS's (and the KCL's) order: a shard only once its parents (a split's
 * parent, a merge's two) have been read to their end, so records of one partition key stay in order across a
 * reshard, also one that happens while the pump runs. The position reached in each shard is committed to the
 * metadata store after each append (`firehose.sourcePositions`, key = the Firehose stream's key): a crash between
 * the two copies some records twice after restart, as AWS delivers at least once. Reading starts at LATEST when
 * the Firehose stream is created (DeliveryStartTimestamp); shards created after that are read from their start.
 * Records that the source's retention removed before the pump read them are skipped and logged, as AWS skips them.
 *
 * The pump never polls: it parks on the log's `waitForAppend` for every shard it may read, and on the catalog's
 * change notice (a reshard, the stream's deletion). `whenIdle()` resolves once it has copied every record durable
 * at the time of the call. If the Kinesis stream is deleted, the pump logs it and stops (AWS fails the stream).
 */
import { deliveryDefaults } from "../config/limits.js";
import type { LogStore } from "../storage/log-store.js";
import { isOpen, type ShardRecord, type StreamRecord } from "../streams/model.js";
import type { ShardPosition, ShardReader } from "../streams/shard-reader.js";
import { LoopWaits } from "./loop-waits.js";
import type { DeliveryStreamRecord } from "./model.js";
import type { KinesisRecordMetadata } from "./pipeline.js";

export const sourcePositionsNamespace = "firehose.sourcePositions";

/** What the metadata store keeps per KinesisStreamAsSource Firehose stream. */
export interface SourcePositions {
  /** The Kinesis stream read, and which incarnation of its name (a stream deleted and recreated is another). */
  readonly region: string;
  readonly name: string;
  readonly createdAt: number;
  /** The next offset to read, per shard seen so far; shards not listed are new and read from their start. */
  readonly offsets: { readonly [shardId: string]: number };
}

export interface KinesisSourceContext {
  readonly log: LogStore;
  readonly reader: ShardReader;
  /** Makes `positions` durable (after the records up to them are on the Firehose stream's log). */
  commitPositions(stream: DeliveryStreamRecord, positions: SourcePositions): Promise<void>;
  onError(stream: DeliveryStreamRecord, error: unknown, what: string): void;
  /** After a failed read or append, wait this long before trying again. */
  readonly retryDelayMs: number;
}

/** The Kinesis stream was deleted (or deleted and recreated) under the Firehose stream. */
export class SourceStreamDeletedError extends Error {
  override readonly name = "SourceStreamDeletedError";
}

/** The Kinesis metadata of a copied record, from its log key (undefined for a record put directly). */
export function kinesisMetadataOf(key: Buffer | null): KinesisRecordMetadata | undefined {
  return key === null ? undefined : (JSON.parse(key.toString("utf8")) as KinesisRecordMetadata);
}

export class KinesisSourcePump {
  private readonly offsets: Map<string, number>;
  private readonly waits = new LoopWaits();
  private stopping = false;
  /** The run is over (stopped, or the source stream is gone): whenIdle() has nothing to wait for. */
  private ended = false;
  private readonly finished: Promise<void>;
  /** Set when the pump stopped because the source stream is gone. */
  sourceDeleted = false;

  constructor(
    private readonly stream: DeliveryStreamRecord,
    private readonly positions: SourcePositions,
    private readonly context: KinesisSourceContext,
  ) {
    this.offsets = new Map(Object.entries(positions.offsets));
    this.finished = this.run().finally(() => {
      this.ended = true;
      this.waits.settleAll();
    });
  }

  /** Resolves once every record durable in the source at the time of the call is on the Firehose stream's log. */
  whenIdle(): Promise<void> {
    if (this.stopping || this.ended) return this.finished;
    return this.waits.whenIdle();
  }

  /** Ends after the copy under way (its positions committed). */
  stop(): Promise<void> {
    this.stopping = true;
    this.waits.wakeUp();
    return this.finished;
  }

  private async run(): Promise<void> {
    for (;;) {
      if (this.stopping) return;
      this.waits.passBegins();
      let pass: { progressed: boolean; source: StreamRecord; reading: ShardPosition[] };
      try {
        pass = await this.pass();
      } catch (error) {
        if (this.stopping) return;
        if (error instanceof SourceStreamDeletedError) {
          this.sourceDeleted = true;
          this.context.onError(this.stream, error, "the source Kinesis stream was deleted; the Firehose stream reads nothing more");
          return;
        }
        this.context.onError(this.stream, error, "copying records from the source Kinesis stream failed; retrying");
        await this.waits.pause(this.context.retryDelayMs);
        continue;
      }
      if (pass.progressed || !this.waits.settleIfIdle()) continue;
      await this.park(pass.source, pass.reading);
    }
  }

  /** Copies one read's worth from every shard it may read now; says whether anything moved. */
  private async pass(): Promise<{ progressed: boolean; source: StreamRecord; reading: ShardPosition[] }> {
    const { region, name, createdAt } = this.positions;
    const source = this.context.reader.current({ region, name }, createdAt);
    if (source === undefined) throw new SourceStreamDeletedError(`Stream ${name} in ${region} was deleted.`);
    let progressed = false;
    const reading = source.shards.filter((shard) => !this.finishedReading(shard) && this.parentsFinished(source, shard));
    for (const shard of reading) {
      if (this.stopping) break;
      const offset = this.offsets.get(shard.shardId) ?? 0;
      const read = await this.context.reader.read(source, shard, offset, deliveryDefaults.readMaxRecords);
      if (read.expired > 0) {
        this.context.onError(
          this.stream,
          new Error(`${read.expired} records of ${shard.shardId} expired by the source stream's retention before they were read`),
          "records of the source Kinesis stream were skipped",
        );
      }
      if (read.nextOffset === offset) continue;
      if (read.records.length > 0) {
        await this.context.log.append(
          this.stream.logName,
          0,
          read.records.map((record) => {
            const metadata: KinesisRecordMetadata = {
              shardId: shard.shardId,
              partitionKey: record.partitionKey,
              sequenceNumber: record.sequenceNumber,
              approximateArrivalTimestamp: record.arrivalTimestamp,
            };
            return { key: Buffer.from(JSON.stringify(metadata), "utf8"), value: record.data };
          }),
        );
      }
      this.offsets.set(shard.shardId, read.nextOffset);
      await this.context.commitPositions(this.stream, { region, name, createdAt, offsets: Object.fromEntries(this.offsets) });
      progressed = true;
    }
    return { progressed, source, reading: reading.map((shard) => ({ shard, offset: this.offsets.get(shard.shardId) ?? 0 })) };
  }

  private finishedReading(shard: ShardRecord): boolean {
    return !isOpen(shard) && shard.endOffset !== undefined && (this.offsets.get(shard.shardId) ?? 0) >= shard.endOffset;
  }

  /** A shard's records follow its parents': it is read once they are read to their end (or no longer listed). */
  private parentsFinished(source: StreamRecord, shard: ShardRecord): boolean {
    return [shard.parentShardId, shard.adjacentParentShardId].every((parentId) => {
      const parent = parentId === undefined ? undefined : source.shards.find((candidate) => candidate.shardId === parentId);
      return parent === undefined || this.finishedReading(parent);
    });
  }

  /** Waits for a record in a shard being read, a change to the source stream, or a wake-up (whenIdle, stop). */
  private park(source: StreamRecord, reading: readonly ShardPosition[]): Promise<void> {
    return this.waits.wakeable(async (signal) => {
      if (!this.stopping) await this.context.reader.waitForChange(source, reading, signal);
    });
  }
}
