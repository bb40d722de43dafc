/**
 * SubscribeToShard: a shard's records pushed to an enhanced fan-out consumer as they are appended.
 *
 * A subscription reads from its starting position and hands out what it finds as an event (at most one second's
 * read allowance each); once caught up it parks on the log's `waitForAppend` (pushed, never polled) until
 * records arrive or `heartbeatMs` passes, when it sends an empty event, so the client always knows the
 * subscription is alive and where it stands. The first event is sent at once. Each event carries the
 * ContinuationSequenceNumber a new subscription continues AFTER, so nothing is lost or repeated across
 * resubscriptions.
 *
 * A subscription ends:
 *  - cleanly after `lifetimeMs` (5 minutes; measured by the injected clock), or at the end of a closed shard,
 *    after an event carrying ChildShards and no ContinuationSequenceNumber (how clients recognise a shard's end);
 *  - cleanly when the caller's signal aborts (the client went away, the server is shutting down);
 *  - with ResourceInUseException when a newer subscription takes it over, ResourceNotFoundException when its
 *    consumer is deregistered or its stream deleted.
 *
 * One live subscription per consumer and shard: another one within `takeoverAfterMs` of its start is refused
 * with ResourceInUseException, a later one takes over. With throughput limits on, calls are limited to one per
 * second per consumer and shard, and a subscription reads at most 2 MiB/s.
 *
 * A shard closed by a reshard while a subscription waits at its end is noticed at the next heartbeat.
 */
import { kinesisLimits } from "../config/limits.js";
import { LogNotFoundError } from "../storage/errors.js";
import type { Clock } from "../util/clock.js";
import { parseConsumerArn, resolveStream } from "./arns.js";
import { consumerNotFound } from "./consumers.js";
import { invalidArgument, limitExceeded, resourceInUse } from "./errors.js";
import { consumerStatus, isOpen, type ShardRecord, type StreamRecord } from "./model.js";
import { type ChildShard, childShardsOf, type IteratorRequest, type ReadRecord, type RecordsService, toReadRecords } from "./records-service.js";
import { formatSequenceNumber } from "./sequence-numbers.js";
import { type StreamRef, streamNotFound } from "./stream-catalog.js";
import type { StreamsService } from "./streams-service.js";
import { TokenBucket } from "../util/token-bucket.js";

export interface SubscriptionOptions {
  /** Longest a subscription stays silent; `kinesisLimits.subscriptionHeartbeatMs` unless set (tests shorten it). */
  readonly heartbeatMs?: number;
  /** How long a subscription lasts, by the injected clock; `kinesisLimits.subscriptionLifetimeMs` unless set. */
  readonly lifetimeMs?: number;
}

/** Where a subscription starts: GetShardIterator's iterator types. */
export type StartingPosition = Omit<IteratorRequest, "shardId">;

export interface SubscriptionEvent {
  readonly records: ReadRecord[];
  /** Where a new subscription continues (AFTER_SEQUENCE_NUMBER); null once the end of a closed shard is reached. */
  readonly continuationSequenceNumber: string | null;
  readonly millisBehindLatest: number;
  /** At the end of a closed shard: the shards that took over its hash keys. */
  readonly childShards?: ChildShard[];
}

interface Slot {
  /** When the last successful SubscribeToShard for this consumer and shard started. */
  readonly startedAt: number;
  live: Subscription | null;
}

const timedOut = Symbol("timed out");

export class SubscriptionsService {
  /** Per stream incarnation, consumer and shard; only recent or live ones are kept. */
  private readonly slots = new Map<string, Slot>();
  readonly heartbeatMs: number;
  readonly lifetimeMs: number;

  constructor(
    readonly streams: StreamsService,
    private readonly records: RecordsService,
    options: SubscriptionOptions = {},
  ) {
    this.heartbeatMs = options.heartbeatMs ?? kinesisLimits.subscriptionHeartbeatMs;
    this.lifetimeMs = options.lifetimeMs ?? kinesisLimits.subscriptionLifetimeMs;
  }

  get clock(): Clock {
    return this.streams.clock;
  }

  /** Checks everything SubscribeToShard checks before answering 200, then starts (or takes over) the subscription. */
  async subscribe(consumerArnText: string, shardId: string, position: StartingPosition): Promise<Subscription> {
    const parsed = parseConsumerArn(consumerArnText);
    if (parsed === null) throw invalidArgument(`ConsumerARN ${consumerArnText} is not a valid consumer ARN.`);
    const ref = resolveStream(parsed.stream.region, { streamArn: parsed.streamArn });
    const stream = this.streams.activeStream(ref).record;
    const consumer = stream.consumers.find((candidate) => candidate.arn === consumerArnText);
    if (consumer === undefined) throw consumerNotFound(parsed.consumerName, stream.name);
    if (consumerStatus(consumer, this.clock.now()) !== "ACTIVE") {
      throw resourceInUse(
        `Consumer ${consumer.name} with creation timestamp ${Math.floor(consumer.createdAt / 1000)} under stream: ${stream.name} , account ${kinesisLimits.accountId} is not in ACTIVE status.`,
      );
    }
    const shard = this.streams.shardOf(stream, shardId);
    const offset = await this.records.startingOffset(stream, shard, { shardId, ...position });

    const now = this.clock.now();
    this.forgetStale(now);
    const key = `${stream.logName}\n${consumer.arn}\n${shard.partition}`;
    const slot = this.slots.get(key);
    const where = `${kinesisLimits.accountId}:${stream.name}:${shard.shardId}:${consumer.name}`;
    if (slot?.live && now - slot.startedAt < kinesisLimits.subscriptionTakeoverAfterMs) {
      throw resourceInUse(`Another active subscription exists for this consumer: ${where}`);
    }
    if (this.streams.options.throughputLimits && slot !== undefined && now - slot.startedAt < kinesisLimits.subscribeMinIntervalMs) {
      throw limitExceeded(`Rate exceeded for consumer ${consumer.arn} and shard ${shard.shardId} in stream ${stream.name} under account ${kinesisLimits.accountId}.`);
    }
    slot?.live?.end(resourceInUse(`The subscription was taken over by a newer one for this consumer: ${where}`));
    const started: Slot = { startedAt: now, live: null };
    const target = {
      ref,
      logName: stream.logName,
      streamCreatedAt: stream.createdAt,
      partition: shard.partition,
      consumerArn: consumer.arn,
      startOffset: offset,
      expiresAt: now + this.lifetimeMs,
    };
    const subscription = new Subscription(this, target, () => {
      if (started.live === subscription) started.live = null;
    });
    started.live = subscription;
    this.slots.set(key, started);
    return subscription;
  }

  /** Ends every live subscription of a consumer (it was deregistered). */
  endConsumer(consumerArn: string): void {
    for (const slot of this.slots.values()) {
      const live = slot.live;
      if (live?.target.consumerArn === consumerArn) {
        const parsed = parseConsumerArn(consumerArn);
        live.end(consumerNotFound(parsed?.consumerName ?? consumerArn, live.target.ref.name));
      }
    }
  }

  /** Slots that no longer refuse or limit anything. Keeps the map as small as the live and recent subscriptions. */
  private forgetStale(now: number): void {
    const window = Math.max(kinesisLimits.subscriptionTakeoverAfterMs, kinesisLimits.subscribeMinIntervalMs);
    for (const [key, slot] of this.slots) {
      if (slot.live === null && now - slot.startedAt >= window) this.slots.delete(key);
    }
  }
}

interface SubscriptionTarget {
  readonly ref: StreamRef;
  readonly logName: string;
  readonly streamCreatedAt: number;
  readonly partition: number;
  readonly consumerArn: string;
  readonly startOffset: number;
  /** Clock time at which the subscription ends. */
  readonly expiresAt: number;
}

export class Subscription {
  /** Aborted with the error the subscription must end with (takeover, deregistration). */
  private readonly ended = new AbortController();
  private readonly readAllowance: TokenBucket | null;

  constructor(
    private readonly service: SubscriptionsService,
    readonly target: SubscriptionTarget,
    /** Called once the events are over, however they ended. */
    private readonly onEnd: () => void,
  ) {
    this.readAllowance = service.streams.options.throughputLimits
      ? new TokenBucket(kinesisLimits.subscriptionReadBytesPerSecond, service.clock)
      : null;
  }

  end(reason: Error): void {
    this.ended.abort(reason);
  }

  /**
   * The events, as they come. Returns when `signal` aborts, the lifetime is over or a closed shard's end is
   * delivered; throws a StreamsError when ended by a takeover, a deregistration or the stream's deletion.
   */
  async *events(signal: AbortSignal): AsyncGenerator<SubscriptionEvent> {
    const { service, target } = this;
    const log = service.streams.log;
    const stop = AbortSignal.any([signal, this.ended.signal]);
    const eventMaxBytes = kinesisLimits.subscriptionReadBytesPerSecond;
    try {
      let offset = target.startOffset;
      let sendNow = true;
      while (!stop.aborted) {
        const now = service.clock.now();
        if (now >= target.expiresAt) return;
        const untilExpiry = target.expiresAt - now;
        const { stream, shard } = this.current();
        const allowance = this.readAllowance?.available() ?? eventMaxBytes;
        if (allowance <= 0) {
          // Over 2 MiB/s: wait for the allowance to refill (an event went out within the last few seconds).
          await this.park(null, stop, Math.min(Math.ceil((-allowance / eventMaxBytes) * 1000) + 1, untilExpiry));
          continue;
        }
        const read = await log.read(target.logName, target.partition, offset, {
          maxRecords: kinesisLimits.getRecordsMaxRecords,
          maxBytes: Math.min(allowance, eventMaxBytes),
        });
        offset = read.nextOffset;
        const atShardEnd = !isOpen(shard) && offset >= (shard.endOffset ?? read.endOffset);
        if (read.records.length > 0 || atShardEnd || sendNow) {
          this.readAllowance?.charge(read.records.reduce((sum, record) => sum + record.value.length + (record.key?.length ?? 0), 0));
          const last = read.records.at(-1);
          yield {
            records: toReadRecords(stream, shard, read.records),
            continuationSequenceNumber: atShardEnd ? null : this.sequenceNumberBefore(offset),
            millisBehindLatest: last === undefined || read.nextOffset >= read.endOffset ? 0 : Math.max(0, now - last.timestamp),
            ...(atShardEnd ? { childShards: childShardsOf(stream, shard) } : {}),
          };
          sendNow = false;
          if (atShardEnd) return;
          if (read.records.length > 0) continue;
        }
        sendNow = (await this.park(offset, stop, Math.min(service.heartbeatMs, untilExpiry))) === "timeout";
      }
    } catch (error) {
      if (this.ended.signal.aborted) throw this.ended.signal.reason;
      if (signal.aborted) return;
      if (error instanceof LogNotFoundError) throw streamNotFound(target.ref.name);
      throw error;
    } finally {
      this.onEnd();
    }
    if (this.ended.signal.aborted) throw this.ended.signal.reason;
  }

  /** The stream and shard as the catalog has them now; the stream gone (or recreated under its name) ends the subscription. */
  private current(): { stream: StreamRecord; shard: ShardRecord } {
    const live = this.service.streams.catalog.find(this.target.ref);
    if (live === undefined || live.record.createdAt !== this.target.streamCreatedAt) throw streamNotFound(this.target.ref.name);
    return { stream: live.record, shard: live.record.shards.find((shard) => shard.partition === this.target.partition)! };
  }

  /** The sequence number of the record before `offset`: reading AFTER it starts at `offset`. */
  private sequenceNumberBefore(offset: number): string {
    const streamCreatedSeconds = Math.floor(this.target.streamCreatedAt / 1000);
    return formatSequenceNumber({ streamCreatedSeconds, partition: this.target.partition, offset: offset - 1 });
  }

  /**
   * Waits until the partition's end passes `offset` ("appended"; with a null offset, only the timeout counts) or
   * `timeoutMs` passes ("timeout"). Rejects with the stop reason when `stop` aborts.
   */
  private async park(offset: number | null, stop: AbortSignal, timeoutMs: number): Promise<"appended" | "timeout"> {
    if (stop.aborted) throw stop.reason;
    const waiting = new AbortController();
    const onStop = (): void => waiting.abort(stop.reason);
    stop.addEventListener("abort", onStop, { once: true });
    const timer = setTimeout(() => waiting.abort(timedOut), timeoutMs);
    try {
      await (offset === null
        ? untilAborted(waiting.signal)
        : this.service.streams.log.waitForAppend(this.target.logName, this.target.partition, offset, waiting.signal));
      return "appended";
    } catch (error) {
      if (error === timedOut) return "timeout";
      throw error;
    } finally {
      clearTimeout(timer);
      stop.removeEventListener("abort", onStop);
    }
  }
}

function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason), { once: true }));
}
