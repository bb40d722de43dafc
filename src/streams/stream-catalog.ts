/**
 * The streams that exist, per region: stored in the metadata store (namespace `kinesis.streams`, key
 * `<region>/<name>`), with what the hot path needs (routing by hash key, throughput buckets, the reshard gate)
 * kept beside each record in memory and rebuilt whenever the record changes.
 */
import { kinesisLimits } from "../config/limits.js";
import type { MetadataStore } from "../storage/metadata-store.js";
import type { Clock } from "../util/clock.js";
import { Gate } from "../util/gate.js";
import { resourceNotFound } from "./errors.js";
import { type HashKeyHex, hashKeyHex } from "./hash-keys.js";
import { isOpen, type ShardRecord, type StreamRecord } from "./model.js";
import { TokenBucket } from "../util/token-bucket.js";

const namespace = "kinesis.streams";

export interface StreamRef {
  readonly region: string;
  readonly name: string;
}

interface OpenShardRoute {
  readonly shard: ShardRecord;
  /** The shard's StartingHashKey, as routing compares it. */
  readonly startHex: HashKeyHex;
}

/** Per-shard throughput state; lives as long as the process. */
export interface ShardThroughput {
  readonly writeBytes: TokenBucket;
  readonly writeRecords: TokenBucket;
  readonly readBytes: TokenBucket;
  readonly readCalls: TokenBucket;
}

/** A stream as the services use it: its record plus in-memory state derived from it. */
export class LiveStream {
  /** Open shards sorted by starting hash key, for routing. */
  private readonly routes: OpenShardRoute[];
  private readonly throughput = new Map<number, ShardThroughput>();

  constructor(
    readonly record: StreamRecord,
    /** Appends hold it shared; a reshard holds it exclusive, so no append lands in a shard being closed. */
    readonly gate: Gate,
    private readonly clock: Clock,
  ) {
    this.routes = record.shards
      .filter(isOpen)
      .map((shard) => ({ shard, startHex: hashKeyHex(BigInt(shard.startingHashKey)) }))
      .sort((a, b) => (a.startHex < b.startHex ? -1 : 1));
  }

  get ref(): StreamRef {
    return { region: this.record.region, name: this.record.name };
  }

  /** The open shard owning a hash key. Open shards always cover the whole key space. */
  route(hashKey: HashKeyHex): ShardRecord {
    let low = 0;
    let high = this.routes.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >>> 1;
      if (this.routes[mid]!.startHex <= hashKey) low = mid;
      else high = mid - 1;
    }
    return this.routes[low]!.shard;
  }

  shardThroughput(partition: number): ShardThroughput {
    let state = this.throughput.get(partition);
    if (state === undefined) {
      state = {
        writeBytes: new TokenBucket(kinesisLimits.shardWriteBytesPerSecond, this.clock),
        writeRecords: new TokenBucket(kinesisLimits.shardWriteRecordsPerSecond, this.clock),
        readBytes: new TokenBucket(kinesisLimits.shardReadBytesPerSecond, this.clock),
        readCalls: new TokenBucket(kinesisLimits.shardReadCallsPerSecond, this.clock),
      };
      this.throughput.set(partition, state);
    }
    return state;
  }

  /** Carries throughput state over to the stream's next version. */
  inheritThroughput(from: LiveStream): void {
    for (const [partition, state] of from.throughput) this.throughput.set(partition, state);
  }
}

export class StreamCatalog {
  private readonly live = new Map<string, LiveStream>();
  private readonly locks = new Map<string, Promise<unknown>>();
  /** Internal readers parked until a stream's record changes (a reshard, its deletion): pushed to, never polled. */
  private readonly changeWaiters = new Map<string, Set<() => void>>();

  constructor(
    private readonly metadata: MetadataStore,
    private readonly clock: Clock,
  ) {
    for (const [key, value] of metadata.list(namespace)) {
      this.live.set(key, new LiveStream(value as unknown as StreamRecord, new Gate(), clock));
    }
  }

  find(ref: StreamRef): LiveStream | undefined {
    return this.live.get(keyOf(ref));
  }

  /** The stream, or AWS's ResourceNotFoundException. */
  get(ref: StreamRef): LiveStream {
    const stream = this.find(ref);
    if (stream === undefined) throw streamNotFound(ref.name);
    return stream;
  }

  /** Streams of a region, by name. */
  list(region: string): LiveStream[] {
    return [...this.live.values()]
      .filter((stream) => stream.record.region === region)
      .sort((a, b) => (a.record.name < b.record.name ? -1 : a.record.name > b.record.name ? 1 : 0));
  }

  all(): LiveStream[] {
    return [...this.live.values()];
  }

  /** Durably stores a new version of a stream's record. */
  async save(record: StreamRecord): Promise<LiveStream> {
    const key = keyOf(record);
    await this.metadata.commit([{ op: "put", namespace, key, value: record as never }]);
    const previous = this.live.get(key);
    const next = new LiveStream(record, previous?.gate ?? new Gate(), this.clock);
    if (previous !== undefined) next.inheritThroughput(previous);
    this.live.set(key, next);
    this.notifyChanged(key);
    return next;
  }

  async remove(ref: StreamRef): Promise<void> {
    await this.metadata.commit([{ op: "delete", namespace, key: keyOf(ref) }]);
    this.live.delete(keyOf(ref));
    this.notifyChanged(keyOf(ref));
  }

  /**
   * Resolves at the next change to the stream's record (saved or removed) after the call; rejects with the
   * signal's reason when aborted. Check the state first and call this in the same turn, so no change slips between.
   */
  whenChanged(ref: StreamRef, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.reject(signal.reason);
    const key = keyOf(ref);
    return new Promise((resolve, reject) => {
      let waiters = this.changeWaiters.get(key);
      if (waiters === undefined) this.changeWaiters.set(key, (waiters = new Set()));
      const onAbort = (): void => {
        forget();
        reject(signal.reason);
      };
      const wake = (): void => {
        signal.removeEventListener("abort", onAbort);
        resolve();
      };
      const forget = (): void => {
        waiters.delete(wake);
        if (waiters.size === 0 && this.changeWaiters.get(key) === waiters) this.changeWaiters.delete(key);
      };
      waiters.add(wake);
      signal.addEventListener("abort", onAbort, { once: true });
    });
  }

  private notifyChanged(key: string): void {
    const waiters = this.changeWaiters.get(key);
    this.changeWaiters.delete(key);
    for (const wake of waiters ?? []) wake();
  }

  /** Runs control-plane changes to one stream one at a time, so read-modify-write never loses an update. */
  serialize<T>(ref: StreamRef, change: () => Promise<T>): Promise<T> {
    const key = keyOf(ref);
    const result = (this.locks.get(key) ?? Promise.resolve()).then(change);
    const settled = result.catch(() => undefined);
    this.locks.set(key, settled);
    void settled.then(() => {
      if (this.locks.get(key) === settled) this.locks.delete(key);
    });
    return result;
  }
}

export function streamNotFound(name: string): Error {
  return resourceNotFound(`Stream ${name} under account ${kinesisLimits.accountId} not found.`);
}

function keyOf(ref: StreamRef): string {
  return `${ref.region}/${ref.name}`;
}
