/**
 * The Kinesis Data Streams control plane: creating, describing, listing, configuring and deleting streams.
 * Wire-agnostic: it takes and returns domain values; src/protocols/kinesis/ translates.
 */
import { kinesisLimits, kinesisTimings } from "../config/limits.js";
import { LogNotFoundError } from "../storage/errors.js";
import type { LogStore } from "../storage/log-store.js";
import type { Clock } from "../util/clock.js";
import { streamArn } from "./arns.js";
import { invalidArgument, limitExceeded, resourceInUse, resourceNotFound } from "./errors.js";
import { evenRanges } from "./hash-keys.js";
import { openShards, type ShardRecord, type StreamMode, type StreamRecord, streamStatus, shardIdFor } from "./model.js";
import { shardStartingSequenceNumber } from "./sequence-numbers.js";
import { Resharding } from "./resharding.js";
import { type LiveStream, type StreamCatalog, type StreamRef } from "./stream-catalog.js";

export interface StreamsOptions {
  /** Data-plane throughput limits (per-shard rates); `--limits off` turns them off for load tests. */
  readonly throughputLimits: boolean;
  readonly createDelayMs?: number;
  readonly updateDelayMs?: number;
}

export interface CreateStreamInput {
  readonly shardCount?: number;
  readonly mode?: StreamMode;
  readonly tags?: Readonly<Record<string, string>>;
  readonly maxRecordSizeKiB?: number;
  readonly warmThroughputMiBps?: number;
  /** Not part of CreateStream: streams declared in the config file may start with another retention. */
  readonly retentionHours?: number;
}

const hourMs = 3_600_000;

export class StreamsService {
  /** Splits, merges, UpdateShardCount, UpdateStreamMode and ON_DEMAND scaling (resharding.ts). */
  readonly resharding = new Resharding(this);

  constructor(
    readonly catalog: StreamCatalog,
    readonly log: LogStore,
    readonly clock: Clock,
    readonly options: StreamsOptions,
  ) {}

  /**
   * Brings the log in line with the catalog after a crash between the two: a stream whose log is missing gets an
   * empty one; a log no stream owns is deleted.
   */
  async reconcile(): Promise<void> {
    const owned = new Set<string>();
    for (const stream of this.catalog.all()) {
      const record = stream.record;
      owned.add(record.logName);
      if (!this.log.listLogs().includes(record.logName)) {
        await this.log.createLog(record.logName, record.shards.length, retentionPolicy(record.retentionHours));
      } else if (this.log.partitionCount(record.logName) < record.shards.length) {
        await this.log.addPartitions(record.logName, record.shards.length - this.log.partitionCount(record.logName));
      }
    }
    for (const logName of this.log.listLogs()) {
      if (logName.startsWith(logPrefix) && !owned.has(logName)) await this.log.deleteLog(logName);
    }
  }

  now(): number {
    return this.clock.now();
  }

  async createStream(ref: StreamRef, input: CreateStreamInput): Promise<void> {
    const mode = input.mode ?? "PROVISIONED";
    if (mode === "PROVISIONED" && input.shardCount === undefined) {
      throw invalidArgument("ShardCount is required when StreamMode is PROVISIONED.");
    }
    const shardCount = mode === "ON_DEMAND" ? (input.shardCount ?? kinesisLimits.onDemandInitialShards) : input.shardCount!;
    if (Object.keys(input.tags ?? {}).length > kinesisLimits.tagsPerStream) {
      throw invalidArgument(`Failed to create stream ${ref.name} under account ${kinesisLimits.accountId}: too many tags (at most ${kinesisLimits.tagsPerStream}).`);
    }
    await this.catalog.serialize(ref, async () => {
      if (this.catalog.find(ref) !== undefined) {
        throw resourceInUse(`Stream ${ref.name} under account ${kinesisLimits.accountId} already exists.`);
      }
      this.checkShardLimit(ref.region, shardCount);
      const createdAt = this.clock.now();
      const record: StreamRecord = {
        name: ref.name,
        arn: streamArn(ref.region, ref.name),
        region: ref.region,
        logName: `${logPrefix}${ref.region}/${ref.name}/${createdAt}`,
        createdAt,
        activeAt: createdAt + (this.options.createDelayMs ?? kinesisTimings.streamCreateDelayMs),
        updatingUntil: 0,
        mode,
        retentionHours: input.retentionHours ?? kinesisLimits.defaultRetentionHours,
        maxRecordSizeKiB: input.maxRecordSizeKiB ?? kinesisLimits.defaultMaxRecordSizeKiB,
        ...(input.warmThroughputMiBps === undefined ? {} : { warmThroughputMiBps: input.warmThroughputMiBps }),
        shards: evenRanges(shardCount).map((range, partition) => ({
          shardId: shardIdFor(partition),
          partition,
          startingHashKey: range.start.toString(),
          endingHashKey: range.end.toString(),
          startingSequenceNumber: shardStartingSequenceNumber(Math.floor(createdAt / 1000), partition),
          createdAt,
        })),
        tags: { ...input.tags },
        encryption: { type: "NONE" },
        shardLevelMetrics: [],
        consumers: [],
        shardCountUpdates: [],
      };
      await this.log.createLog(record.logName, shardCount, retentionPolicy(record.retentionHours));
      try {
        await this.catalog.save(record);
      } catch (error) {
        await this.log.deleteLog(record.logName).catch(() => undefined);
        throw error;
      }
    });
  }

  async deleteStream(ref: StreamRef, enforceConsumerDeletion: boolean): Promise<void> {
    await this.catalog.serialize(ref, async () => {
      const stream = this.catalog.get(ref);
      if (stream.record.consumers.length > 0 && !enforceConsumerDeletion) {
        throw resourceInUse(
          `Stream ${ref.name} under account ${kinesisLimits.accountId} has registered consumers. Deregister them or set EnforceConsumerDeletion to true.`,
        );
      }
      await this.catalog.remove(ref);
      await this.log.deleteLog(stream.record.logName).catch((error: unknown) => {
        if (!(error instanceof LogNotFoundError)) throw error;
      });
    });
  }

  /** The stream if it exists (in any state). */
  stream(ref: StreamRef): LiveStream {
    return this.catalog.get(ref);
  }

  /** The stream if it can take reads and writes now: CREATING streams are not found yet, as in AWS. */
  activeStream(ref: StreamRef): LiveStream {
    const stream = this.catalog.get(ref);
    if (streamStatus(stream.record, this.clock.now()) === "CREATING") {
      throw resourceNotFound(`Stream ${ref.name} under account ${kinesisLimits.accountId} not found.`);
    }
    return stream;
  }

  listStreams(region: string): LiveStream[] {
    return this.catalog.list(region);
  }

  async changeRetention(ref: StreamRef, hours: number, direction: "increase" | "decrease"): Promise<void> {
    const [minHours, maxHours] = kinesisLimits.retentionHoursRange;
    if (hours < minHours) {
      throw invalidArgument(`Minimum allowed retention period is ${minHours} hours. Requested retention period (${hours} hours) is too short.`);
    }
    if (hours > maxHours) {
      throw invalidArgument(`Maximum allowed retention period is ${maxHours} hours. Requested retention period (${hours} hours) is too long.`);
    }
    await this.update(ref, async (record) => {
      if (direction === "increase" && hours < record.retentionHours) {
        throw invalidArgument(
          `Requested retention period (${hours} hours) for stream ${ref.name} can not be shorter than existing retention period (${record.retentionHours} hours). Use DecreaseRetentionPeriod API.`,
        );
      }
      if (direction === "decrease" && hours > record.retentionHours) {
        throw invalidArgument(
          `Requested retention period (${hours} hours) for stream ${ref.name} can not be longer than existing retention period (${record.retentionHours} hours). Use IncreaseRetentionPeriod API.`,
        );
      }
      await this.log.setRetention(record.logName, retentionPolicy(hours));
      return { ...record, retentionHours: hours };
    });
  }

  /**
   * Read-modify-write of an ACTIVE stream's record, one change at a time per stream. `change` returns the new
   * record; it may also act on the log before the record is stored.
   */
  async update(ref: StreamRef, change: (record: StreamRecord) => Promise<StreamRecord> | StreamRecord): Promise<StreamRecord> {
    return this.catalog.serialize(ref, async () => {
      const record = this.requireActive(ref).record;
      const next = await change(record);
      await this.catalog.save(next);
      return next;
    });
  }

  /** Like `update`, for changes allowed in any state (tags, say). */
  async amend(ref: StreamRef, change: (record: StreamRecord) => StreamRecord): Promise<StreamRecord> {
    return this.catalog.serialize(ref, async () => {
      const next = change(this.catalog.get(ref).record);
      await this.catalog.save(next);
      return next;
    });
  }

  requireActive(ref: StreamRef): LiveStream {
    const stream = this.catalog.get(ref);
    const status = streamStatus(stream.record, this.clock.now());
    if (status !== "ACTIVE") {
      throw resourceInUse(`Stream ${ref.name} under account ${kinesisLimits.accountId} not ACTIVE, instead in state ${status}`);
    }
    return stream;
  }

  /** The time until which a stream shows UPDATING after a change made now. */
  updatingUntil(): number {
    return this.clock.now() + (this.options.updateDelayMs ?? kinesisTimings.streamUpdateDelayMs);
  }

  openShardCount(region: string): number {
    return this.catalog.list(region).reduce((sum, stream) => sum + openShards(stream.record).length, 0);
  }

  checkShardLimit(region: string, additional: number): void {
    const current = this.openShardCount(region);
    if (current + additional > kinesisLimits.shardLimit) {
      throw limitExceeded(
        `This request would exceed the shard limit for the account ${kinesisLimits.accountId} in ${region}. Current shard count for the account: ${current}. Limit: ${kinesisLimits.shardLimit}. Number of additional shards that would have resulted from this request: ${additional}. Refer to the AWS Service Limits page (http://docs.aws.amazon.com/general/latest/gr/aws_service_limits.html) for current limits and how to request higher limits.`,
      );
    }
  }

  shardOf(stream: StreamRecord, shardId: string): ShardRecord {
    const shard = stream.shards.find((candidate) => candidate.shardId === shardId);
    if (shard === undefined) {
      throw resourceNotFound(`Shard ${shardId} in stream ${stream.name} under account ${kinesisLimits.accountId} does not exist`);
    }
    return shard;
  }
}

const logPrefix = "kinesis/";

export function retentionPolicy(hours: number) {
  return { retentionMs: hours * hourMs, retentionBytes: null };
}
