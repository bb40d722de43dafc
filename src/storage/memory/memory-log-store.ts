/**
 * A log store in memory, for tests and `freshet serve --in-memory`. It keeps the embedded store's observable
 * behaviour (offsets, arrival times that never go back, limits, retention, waiters); nothing survives a restart.
 */
import { type Clock, systemClock } from "../../util/clock.js";
import { AppendWaiters } from "../append-waiters.js";
import {
  InvalidAppendError,
  LogNotFoundError,
  StoreClosedError,
} from "../errors.js";
import { LogRegistry } from "../log-registry.js";
import {
  type AppendRecord,
  type AppendResult,
  keepForever,
  type LogStore,
  type PartitionStats,
  type ReadLimits,
  type ReadResult,
  type RetentionPolicy,
  type StoredRecord,
} from "../log-store.js";

class MemoryPartition {
  /** records[i] has offset startOffset + i. */
  records: StoredRecord[] = [];
  startOffset = 0;
  sizeBytes = 0;
  lastTimestamp: number | null = null;
  readonly waiters = new AppendWaiters();

  get endOffset(): number {
    return this.startOffset + this.records.length;
  }

  dropBelow(offset: number): void {
    const count = Math.min(Math.max(0, offset - this.startOffset), this.records.length);
    for (const record of this.records.slice(0, count)) this.sizeBytes -= recordBytes(record);
    this.records = this.records.slice(count);
    this.startOffset += count;
  }
}

interface MemoryLog {
  readonly partitions: MemoryPartition[];
  retention: RetentionPolicy;
}

export class MemoryLogStore implements LogStore {
  private readonly logs = new LogRegistry<MemoryLog>();

  constructor(private readonly clock: Clock = systemClock) {}

  async createLog(log: string, partitionCount: number, retention: RetentionPolicy = keepForever): Promise<void> {
    this.logs.assertAbsent(log);
    if (!Number.isSafeInteger(partitionCount) || partitionCount < 1) {
      throw new RangeError(`a log needs at least one partition, got ${partitionCount}`);
    }
    this.logs.set(log, { partitions: Array.from({ length: partitionCount }, () => new MemoryPartition()), retention });
  }

  async deleteLog(log: string): Promise<void> {
    const state = this.logs.get(log);
    this.logs.delete(log);
    for (const partition of state.partitions) partition.waiters.failAll(new LogNotFoundError(log));
  }

  listLogs(): string[] {
    return this.logs.names();
  }

  partitionCount(log: string): number {
    return this.logs.get(log).partitions.length;
  }

  async addPartitions(log: string, count: number): Promise<number> {
    const state = this.logs.get(log);
    const first = state.partitions.length;
    for (let i = 0; i < count; i++) state.partitions.push(new MemoryPartition());
    return first;
  }

  async setRetention(log: string, retention: RetentionPolicy): Promise<void> {
    this.logs.get(log).retention = retention;
  }

  async append(log: string, partition: number, records: readonly AppendRecord[]): Promise<AppendResult> {
    const target = this.logs.partition(log, partition);
    if (records.length === 0) throw new InvalidAppendError("an append needs at least one record");
    const timestamp = Math.max(this.clock.now(), target.lastTimestamp ?? 0);
    const baseOffset = target.endOffset;
    records.forEach((record, i) => {
      const stored: StoredRecord = {
        offset: baseOffset + i,
        timestamp,
        key: record.key === null ? null : Buffer.from(record.key),
        value: Buffer.from(record.value),
      };
      target.records.push(stored);
      target.sizeBytes += recordBytes(stored);
    });
    target.lastTimestamp = timestamp;
    target.waiters.advance(target.endOffset);
    return { baseOffset, count: records.length, timestamp };
  }

  async read(log: string, partition: number, fromOffset: number, limits: ReadLimits): Promise<ReadResult> {
    const source = this.logs.partition(log, partition);
    const start = Math.max(fromOffset, source.startOffset);
    const records: StoredRecord[] = [];
    let bytes = 0;
    for (let i = start - source.startOffset; i < source.records.length && records.length < limits.maxRecords; i++) {
      const record = source.records[i]!;
      const size = recordBytes(record);
      if (records.length > 0 && bytes + size > limits.maxBytes) break;
      records.push(record);
      bytes += size;
    }
    const last = records.at(-1);
    return { records, nextOffset: last === undefined ? start : last.offset + 1, endOffset: source.endOffset };
  }

  async offsetForTimestamp(log: string, partition: number, timestamp: number): Promise<number> {
    const source = this.logs.partition(log, partition);
    const found = source.records.find((record) => record.timestamp >= timestamp);
    return found?.offset ?? source.endOffset;
  }

  async trim(log: string, partition: number, beforeOffset: number): Promise<void> {
    this.logs.partition(log, partition).dropBelow(beforeOffset);
  }

  stats(log: string, partition: number): PartitionStats {
    const source = this.logs.partition(log, partition);
    return {
      startOffset: source.startOffset,
      endOffset: source.endOffset,
      sizeBytes: source.sizeBytes,
      segmentCount: 1,
      lastAppendTimestamp: source.lastTimestamp,
    };
  }

  async waitForAppend(log: string, partition: number, offset: number, signal?: AbortSignal): Promise<void> {
    const source = this.logs.partition(log, partition);
    return source.waiters.wait(offset, source.endOffset, signal);
  }

  async enforceRetention(): Promise<void> {
    for (const [log, state] of this.logs.entries()) {
      const { retentionMs, retentionBytes } = state.retention;
      for (let n = 0; n < state.partitions.length; n++) {
        const partition = state.partitions[n]!;
        if (retentionMs !== null) {
          partition.dropBelow(await this.offsetForTimestamp(log, n, this.clock.now() - retentionMs));
        }
        while (retentionBytes !== null && partition.sizeBytes > retentionBytes && partition.records.length > 0) {
          partition.dropBelow(partition.startOffset + 1);
        }
      }
    }
  }

  async close(): Promise<void> {
    if (!this.logs.close()) return;
    for (const [, state] of this.logs.entries()) {
      for (const partition of state.partitions) partition.waiters.failAll(new StoreClosedError());
    }
  }
}

function recordBytes(record: StoredRecord): number {
  return (record.key?.length ?? 0) + record.value.length;
}
