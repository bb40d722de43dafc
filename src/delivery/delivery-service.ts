/**
 * Firehose streams: their definitions in the metadata store, their records on the log (one log per stream, one
 * partition), and one DeliveryLoop each that writes the records to the destination. An acknowledged PutRecord or
 * PutRecordBatch is on the log, durable under the store's fsync policy, before it is answered. A stream whose source
 * is a Kinesis data stream (KinesisStreamAsSource) refuses both; its source pump (kinesis-source.ts) copies the
 * Kinesis stream's records onto the same log instead.
 */
import { createHash } from "node:crypto";
import type { FirehoseSettings } from "../config/config.js";
import { deliveryDefaults, firehoseLimits, firehoseTimings } from "../config/limits.js";
import type { LogStore } from "../storage/log-store.js";
import type { JsonValue, MetadataStore } from "../storage/metadata-store.js";
import type { Clock } from "../util/clock.js";
import { TokenBucket } from "../util/token-bucket.js";
import { DeliveryLoop } from "./delivery-loop.js";
import { buildPlan } from "./delivery-plan.js";
import { DeliveryError, type DeliveryErrorCode, deliveryStreamExists, deliveryStreamNotFound, invalidArgument, limitExceeded, resourceInUse } from "./errors.js";
import type { ShardReader } from "../streams/shard-reader.js";
import { KinesisSourcePump, type SourcePositions, sourcePositionsNamespace } from "./kinesis-source.js";
import type { ObjectWriter } from "./local-objects.js";
import {
  checkpointsNamespace,
  deliveryLogPrefix,
  deliveryStreamKey,
  deliveryStreamsNamespace,
  type DeliveryStreamRecord,
  type DeliveryStreamRef,
  type DeliveryStreamStatus,
  type EncryptionSettings,
  type DestinationRecord,
} from "./model.js";

export interface DeliveryServiceOptions {
  /** How long a new stream shows CREATING (default `firehoseTimings.deliveryStreamCreateDelayMs`). */
  readonly createDelayMs?: number;
  readonly onError?: (stream: DeliveryStreamRecord, error: unknown, what: string) => void;
  /** After a failed object write, retry after this long (default `deliveryDefaults.retryDelayMs`). */
  readonly retryDelayMs?: number;
  /** Enforce the per-stream ingest quotas (`firehoseLimits.ingest*`), as `limits: on` does. */
  readonly throughputLimits?: boolean;
  /** The Kinesis domain's internal reader, for KinesisStreamAsSource streams (without it they cannot be created). */
  readonly kinesis?: ShardReader;
  /** Lambda function URLs and Glue tables (`firehose` in the server's settings) for processing and conversion. */
  readonly firehose?: FirehoseSettings;
  /** How long an HTTP endpoint has to answer one attempt (default `deliveryDefaults.httpEndpointAttemptTimeoutMs`). */
  readonly httpAttemptTimeoutMs?: number;
}

/** A stream's ingest allowance, in memory (a restart starts it afresh). */
interface IngestBuckets {
  readonly calls: TokenBucket;
  readonly records: TokenBucket;
  readonly bytes: TokenBucket;
}

const slowDown = "Slow down.";

/** A delivery that failed and has not succeeded since. */
export interface DeliveryFailure {
  readonly at: number;
  readonly error: unknown;
  readonly what: string;
}

export interface CreateDeliveryStreamInput {
  readonly destination: DestinationRecord;
  /** KinesisStreamAsSource: the Kinesis stream to read (it must exist) and the role (recorded only). */
  readonly source?: { readonly kinesisStreamArn: string; readonly roleArn: string };
  readonly tags: { [key: string]: string };
  readonly encryption?: EncryptionSettings;
  /** DirectPutSourceConfiguration.ThroughputHintInMBs, when given. */
  readonly throughputHintInMBs?: number;
}

/** One record's fate in a PutRecordBatch: a RecordId, or an error code and message. */
export type PutResult =
  | { readonly ok: true; readonly recordId: string }
  | { readonly ok: false; readonly errorCode: DeliveryErrorCode; readonly errorMessage: string };

export class DeliveryService {
  private readonly loops = new Map<string, DeliveryLoop>();
  /** KinesisStreamAsSource streams' source pumps, by stream key. */
  private readonly pumps = new Map<string, KinesisSourcePump>();
  private readonly ingest = new Map<string, IngestBuckets>();
  /** Per stream log: the fixed part of its RecordIds. */
  private readonly recordIdPrefixes = new Map<string, string>();
  /** The last delivery failure of each stream still failing (DescribeDeliveryStream's FailureDescription). */
  private readonly failures = new Map<string, DeliveryFailure>();
  /** Control-plane changes of one stream run one at a time; one arriving meanwhile gets ResourceInUseException. */
  private readonly busy = new Set<string>();
  private stopped = false;

  constructor(
    private readonly metadata: MetadataStore,
    private readonly log: LogStore,
    private readonly clock: Clock,
    private readonly writer: ObjectWriter,
    private readonly options: DeliveryServiceOptions = {},
  ) {}

  now(): number {
    return this.clock.now();
  }

  /** Deletes logs no stream owns (a crash between the two writes), creates missing ones, and starts every loop. */
  async start(): Promise<void> {
    const owned = new Set<string>();
    for (const stream of this.all()) {
      owned.add(stream.logName);
      if (!this.log.listLogs().includes(stream.logName)) await this.log.createLog(stream.logName, 1);
    }
    for (const logName of this.log.listLogs()) {
      if (logName.startsWith(deliveryLogPrefix) && !owned.has(logName)) await this.log.deleteLog(logName);
    }
    for (const stream of this.all()) this.startLoop(stream);
    for (const stream of this.all()) if (stream.source !== undefined) this.startPump(stream);
  }

  all(region?: string): DeliveryStreamRecord[] {
    const streams = this.metadata.list(deliveryStreamsNamespace).map(([, value]) => value as unknown as DeliveryStreamRecord);
    return region === undefined ? streams : streams.filter((stream) => stream.region === region);
  }

  get(ref: DeliveryStreamRef): DeliveryStreamRecord {
    const value = this.metadata.get(deliveryStreamsNamespace, deliveryStreamKey(ref));
    if (value === undefined) throw deliveryStreamNotFound(ref.name);
    return value as unknown as DeliveryStreamRecord;
  }

  status(stream: DeliveryStreamRecord): DeliveryStreamStatus {
    const delay = this.options.createDelayMs ?? firehoseTimings.deliveryStreamCreateDelayMs;
    return this.clock.now() >= stream.createdAt + delay ? "ACTIVE" : "CREATING";
  }

  async create(ref: DeliveryStreamRef, input: CreateDeliveryStreamInput): Promise<DeliveryStreamRecord> {
    const key = deliveryStreamKey(ref);
    if (Object.keys(input.tags).length > firehoseLimits.tagsPerDeliveryStream) {
      throw invalidArgument(`A Firehose stream cannot have more than ${firehoseLimits.tagsPerDeliveryStream} tags.`);
    }
    if (input.source !== undefined && input.encryption !== undefined) {
      throw invalidArgument("Server-side encryption can only be enabled for a DirectPut Firehose stream; a KinesisStreamAsSource stream's records are encrypted by its Kinesis stream.");
    }
    return this.exclusively(key, ref, async () => {
      if (this.metadata.get(deliveryStreamsNamespace, key) !== undefined) throw deliveryStreamExists(ref.name);
      if (this.all(ref.region).length >= firehoseLimits.deliveryStreamsPerRegion) {
        throw limitExceeded(`You have already consumed your firehose quota of ${firehoseLimits.deliveryStreamsPerRegion} hoses.`);
      }
      const createdAt = this.clock.now();
      const positions = input.source === undefined ? undefined : this.startingPositions(input.source.kinesisStreamArn);
      const stream: DeliveryStreamRecord = {
        region: ref.region,
        name: ref.name,
        type: input.source === undefined ? "DirectPut" : "KinesisStreamAsSource",
        ...(input.source === undefined ? {} : { source: { ...input.source, deliveryStartTimestamp: createdAt } }),
        createdAt,
        versionId: 1,
        logName: `${deliveryLogPrefix}${ref.region}/${ref.name}/${createdAt}`,
        destination: input.destination,
        tags: input.tags,
        ...(input.encryption === undefined ? {} : { encryption: input.encryption }),
        ...(input.throughputHintInMBs === undefined ? {} : { throughputHintInMBs: input.throughputHintInMBs }),
      };
      // The log first: a crash before the commit leaves only an unowned log, which start() deletes.
      await this.log.createLog(stream.logName, 1);
      await this.metadata.commit([
        { op: "put", namespace: deliveryStreamsNamespace, key, value: stream as unknown as JsonValue },
        { op: "put", namespace: checkpointsNamespace, key, value: 0 },
        ...(positions === undefined ? [] : [{ op: "put" as const, namespace: sourcePositionsNamespace, key, value: positions as unknown as JsonValue }]),
      ]);
      this.startLoop(stream);
      if (stream.source !== undefined) this.startPump(stream);
      return stream;
    });
  }

  /** Deletes at once; records not yet delivered are dropped with the stream, as AWS drops them. */
  async delete(ref: DeliveryStreamRef): Promise<void> {
    const key = deliveryStreamKey(ref);
    await this.exclusively(key, ref, async () => {
      const stream = this.get(ref);
      const pump = this.pumps.get(key);
      this.pumps.delete(key);
      await pump?.stop();
      const loop = this.loops.get(key);
      this.loops.delete(key);
      await loop?.stop("abandon");
      this.ingest.delete(key);
      this.failures.delete(key);
      this.recordIdPrefixes.delete(stream.logName);
      await this.metadata.commit([
        { op: "delete", namespace: deliveryStreamsNamespace, key },
        { op: "delete", namespace: checkpointsNamespace, key },
        { op: "delete", namespace: sourcePositionsNamespace, key },
      ]);
      await this.log.deleteLog(stream.logName);
    });
  }

  /**
   * Appends the records the stream's ingest quotas allow as one batch (all of them, or none on a storage failure);
   * the others fail with ServiceUnavailableException "Slow down.", as PutRecordBatch reports partial failures.
   * A call over the calls-per-second quota fails as a whole.
   */
  async putRecords(ref: DeliveryStreamRef, records: readonly Buffer[]): Promise<PutResult[]> {
    const stream = this.get(ref);
    if (stream.type === "KinesisStreamAsSource") throw invalidArgument("This operation is not permitted on KinesisStreamAsSource delivery stream type.");
    if (this.stopped) throw new DeliveryError("ServiceUnavailableException", `The server is shutting down. ${slowDown}`);
    const admitted = this.admit(stream, records);
    const accepted = records.filter((_, i) => admitted[i]);
    let baseOffset = 0;
    if (accepted.length > 0) {
      try {
        baseOffset = (await this.log.append(stream.logName, 0, accepted.map((value) => ({ key: null, value })))).baseOffset;
      } catch (error) {
        // The stream may have been deleted meanwhile: that is a not-found, not a storage failure.
        this.get(ref);
        const message = error instanceof Error ? error.message : String(error);
        return records.map(() => ({ ok: false, errorCode: "ServiceUnavailableException", errorMessage: `${slowDown} ${message}` }));
      }
    }
    let next = baseOffset;
    return records.map((_, i) =>
      admitted[i] ? { ok: true, recordId: this.recordId(stream, next++) } : { ok: false, errorCode: "ServiceUnavailableException", errorMessage: slowDown },
    );
  }

  /** An opaque RecordId like AWS's (112 characters): a digest of the stream's log, then the record's offset. */
  private recordId(stream: DeliveryStreamRecord, offset: number): string {
    let prefix = this.recordIdPrefixes.get(stream.logName);
    if (prefix === undefined) {
      prefix = createHash("sha512").update(stream.logName).digest("hex").slice(0, 96);
      this.recordIdPrefixes.set(stream.logName, prefix);
    }
    return `${prefix}${offset.toString(16).padStart(16, "0")}`;
  }

  /** Which records the ingest quotas let in, in order; throws if the call itself is over its quota. */
  private admit(stream: DeliveryStreamRecord, records: readonly Buffer[]): boolean[] {
    if (this.options.throughputLimits !== true) return records.map(() => true);
    const key = deliveryStreamKey(stream);
    let buckets = this.ingest.get(key);
    if (buckets === undefined) {
      buckets = {
        calls: new TokenBucket(firehoseLimits.ingestCallsPerSecond, this.clock),
        records: new TokenBucket(firehoseLimits.ingestRecordsPerSecond, this.clock),
        bytes: new TokenBucket(firehoseLimits.ingestBytesPerSecond, this.clock),
      };
      this.ingest.set(key, buckets);
    }
    if (!buckets.calls.tryTake(1)) throw new DeliveryError("ServiceUnavailableException", slowDown);
    const { records: recordBucket, bytes } = buckets;
    return records.map((record) => {
      if (recordBucket.available() < 1 || bytes.available() < record.length) return false;
      recordBucket.charge(1);
      bytes.charge(record.length);
      return true;
    });
  }

  /**
   * Replaces the destination (UpdateDestination) if the stream is still at `expectedVersionId`, and moves it to the
   * next version. The loop applies the new settings from its next decision, to what it has buffered too.
   */
  async updateDestination(ref: DeliveryStreamRef, expectedVersionId: string, update: (current: DestinationRecord) => DestinationRecord): Promise<void> {
    const key = deliveryStreamKey(ref);
    await this.exclusively(key, ref, async () => {
      const stream = this.get(ref);
      if (expectedVersionId !== String(stream.versionId)) {
        throw new DeliveryError(
          "ConcurrentModificationException",
          `Cannot update firehose: ${ref.name} since the current version id: ${stream.versionId} and specified version id: ${expectedVersionId} do not match`,
        );
      }
      await this.replace({ ...stream, destination: update(stream.destination), versionId: stream.versionId + 1, updatedAt: this.clock.now() });
    });
  }

  /**
   * Start- or StopDeliveryStreamEncryption: records the key (or null to stop) and counts the call against the
   * combined quota of 25 a day. AWS passes through ENABLING/DISABLING for seconds; Freshet has nothing to wait for.
   */
  async setEncryption(ref: DeliveryStreamRef, encryption: EncryptionSettings | null): Promise<void> {
    const key = deliveryStreamKey(ref);
    await this.exclusively(key, ref, async () => {
      const stream = this.get(ref);
      if (stream.type !== "DirectPut") {
        throw invalidArgument(`Firehose ${ref.name} has source ${stream.type}: server-side encryption can only be set on a DirectPut Firehose stream.`);
      }
      const now = this.clock.now();
      const recent = (stream.encryptionChanges ?? []).filter((at) => at > now - 24 * 60 * 60 * 1000);
      if (recent.length >= firehoseLimits.encryptionChangesPerDay) {
        throw limitExceeded(
          `You have exceeded the limit of ${firehoseLimits.encryptionChangesPerDay} StartDeliveryStreamEncryption and StopDeliveryStreamEncryption calls per Firehose stream per 24 hours.`,
        );
      }
      const { encryption: _previous, ...rest } = stream;
      await this.replace({ ...rest, ...(encryption === null ? {} : { encryption }), encryptionChanges: [...recent, now] });
    });
  }

  async tag(ref: DeliveryStreamRef, tags: { [key: string]: string }): Promise<void> {
    const key = deliveryStreamKey(ref);
    await this.exclusively(key, ref, async () => {
      const stream = this.get(ref);
      const merged = { ...stream.tags, ...tags };
      if (Object.keys(merged).length > firehoseLimits.tagsPerDeliveryStream) {
        throw limitExceeded(`A Firehose stream cannot have more than ${firehoseLimits.tagsPerDeliveryStream} tags.`);
      }
      await this.replace({ ...stream, tags: merged });
    });
  }

  async untag(ref: DeliveryStreamRef, keys: readonly string[]): Promise<void> {
    const key = deliveryStreamKey(ref);
    await this.exclusively(key, ref, async () => {
      const stream = this.get(ref);
      const tags = { ...stream.tags };
      for (const tagKey of keys) delete tags[tagKey];
      await this.replace({ ...stream, tags });
    });
  }

  /** Resolves once every loop has read every acknowledged record and written every object due by the clock (tests). */
  async whenIdle(): Promise<void> {
    // Sources first: what a pump copies is then on the log for the loops to read.
    await Promise.all([...this.pumps.values()].map((pump) => pump.whenIdle()));
    await Promise.all([...this.loops.values()].map((loop) => loop.whenIdle()));
  }

  /** The stream's last delivery failure, while its deliveries keep failing. */
  failure(ref: DeliveryStreamRef): DeliveryFailure | undefined {
    return this.failures.get(deliveryStreamKey(ref));
  }

  /** Objects written since start, per stream key (tests, logs). */
  objectsWritten(ref: DeliveryStreamRef): number {
    return this.loops.get(deliveryStreamKey(ref))?.objectsWritten ?? 0;
  }

  /** Graceful stop: every loop flushes what it has buffered and ends. Call after requests have stopped. */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.pumps.values()].map((pump) => pump.stop()));
    this.pumps.clear();
    await Promise.all([...this.loops.values()].map((loop) => loop.stop("flush")));
    this.loops.clear();
  }

  private async replace(stream: DeliveryStreamRecord): Promise<void> {
    const key = deliveryStreamKey(stream);
    await this.metadata.commit([{ op: "put", namespace: deliveryStreamsNamespace, key, value: stream as unknown as JsonValue }]);
    this.loops.get(key)?.update(stream);
  }

  private startLoop(stream: DeliveryStreamRecord): void {
    const key = deliveryStreamKey(stream);
    const checkpoint = (this.metadata.get(checkpointsNamespace, key) as number | undefined) ?? 0;
    const loop = new DeliveryLoop(stream, checkpoint, {
      log: this.log,
      clock: this.clock,
      planFor: (current) =>
        buildPlan(current, {
          writer: this.writer,
          clock: this.clock,
          lambdaFunctions: this.options.firehose?.lambdaFunctions ?? {},
          glueTables: this.options.firehose?.glueTables ?? [],
          ...(this.options.httpAttemptTimeoutMs === undefined ? {} : { httpAttemptTimeoutMs: this.options.httpAttemptTimeoutMs }),
        }),
      commitCheckpoint: (current, offset) =>
        this.metadata.commit([{ op: "put", namespace: checkpointsNamespace, key: deliveryStreamKey(current), value: offset }]),
      onError: (current, error, what) => {
        this.failures.set(deliveryStreamKey(current), { at: this.clock.now(), error, what });
        this.options.onError?.(current, error, what);
      },
      onRecovered: (current) => this.failures.delete(deliveryStreamKey(current)),
      retryDelayMs: this.options.retryDelayMs ?? deliveryDefaults.retryDelayMs,
    });
    this.loops.set(key, loop);
  }

  /** Whether a KinesisStreamAsSource stream's pump stopped because its Kinesis stream was deleted (logs, tests). */
  sourceDeleted(ref: DeliveryStreamRef): boolean {
    return this.pumps.get(deliveryStreamKey(ref))?.sourceDeleted ?? false;
  }

  /** LATEST in every shard of the Kinesis stream now: where a new Firehose stream starts reading, as AWS's does. */
  private startingPositions(kinesisStreamArn: string): SourcePositions {
    const source = this.options.kinesis?.findByArn(kinesisStreamArn);
    if (source === undefined) {
      const name = kinesisStreamArn.slice(kinesisStreamArn.lastIndexOf("/") + 1);
      throw invalidArgument(`Stream ${name} under account ${kinesisStreamArn.split(":")[4]} not found.`);
    }
    return { region: source.region, name: source.name, createdAt: source.createdAt, offsets: this.options.kinesis!.latestOffsets(source) };
  }

  private startPump(stream: DeliveryStreamRecord): void {
    const key = deliveryStreamKey(stream);
    const positions = this.metadata.get(sourcePositionsNamespace, key) as unknown as SourcePositions | undefined;
    if (this.options.kinesis === undefined || positions === undefined) {
      this.options.onError?.(stream, new Error("no Kinesis reader or source positions"), "the source pump cannot start");
      return;
    }
    const pump = new KinesisSourcePump(stream, positions, {
      log: this.log,
      reader: this.options.kinesis,
      commitPositions: (current, next) =>
        this.metadata.commit([{ op: "put", namespace: sourcePositionsNamespace, key: deliveryStreamKey(current), value: next as unknown as JsonValue }]),
      onError: (current, error, what) => this.options.onError?.(current, error, what),
      retryDelayMs: this.options.retryDelayMs ?? deliveryDefaults.retryDelayMs,
    });
    this.pumps.set(key, pump);
  }

  private async exclusively<T>(key: string, ref: DeliveryStreamRef, section: () => Promise<T>): Promise<T> {
    if (this.busy.has(key)) throw resourceInUse(`Firehose ${ref.name} under account ${firehoseLimits.accountId} is being changed by another request.`);
    this.busy.add(key);
    try {
      return await section();
    } finally {
      this.busy.delete(key);
    }
  }
}

