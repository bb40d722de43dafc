/**
 * The log storage interface every service is written against, and that every backend implements
 * (embedded on local disk, in memory for tests and `--in-memory`, a NATS JetStream cluster later).
 *
 * A store holds named logs; a log has partitions numbered from 0; a partition is an append-only sequence of records,
 * each with a dense offset (0, 1, 2, …) and an arrival timestamp that never decreases within the partition.
 * Offsets and timestamps are plain numbers: offsets stay far below 2^53, timestamps are epoch milliseconds.
 */

export interface AppendRecord {
  /**
   * Routing key as the protocol gave it (a Kinesis partition key); null when there is none. Text is stored as its
   * UTF-8 bytes: the store encodes it straight into its own buffers, where a Buffer made first for each of a
   * PutRecords' records cost ~0.15 µs a record.
   */
  readonly key: Uint8Array | string | null;
  readonly value: Uint8Array;
}

/** How many bytes an append's key takes stored (text as UTF-8). */
export function keyBytes(key: AppendRecord["key"]): number {
  if (key === null) return 0;
  return typeof key === "string" ? Buffer.byteLength(key, "utf8") : key.length;
}

export interface StoredRecord {
  readonly offset: number;
  /** Arrival time, epoch milliseconds. */
  readonly timestamp: number;
  readonly key: Buffer | null;
  readonly value: Buffer;
}

/** What an acknowledged append was assigned: offsets `baseOffset … baseOffset + count − 1`, all at `timestamp`. */
export interface AppendResult {
  readonly baseOffset: number;
  readonly count: number;
  readonly timestamp: number;
}

export interface ReadLimits {
  /** At most this many records. */
  readonly maxRecords: number;
  /**
   * At most this many bytes of keys and values, except that the first record is returned whatever its size,
   * so a reader always makes progress.
   */
  readonly maxBytes: number;
}

export interface ReadResult {
  readonly records: StoredRecord[];
  /** Where the next read should start. */
  readonly nextOffset: number;
  /** The partition's end offset (one past its last readable record) when the read ran. */
  readonly endOffset: number;
}

export interface PartitionStats {
  /** The first readable offset: everything below it is gone (retention or trim). */
  readonly startOffset: number;
  /** One past the last readable record. Only durable records are readable. */
  readonly endOffset: number;
  readonly sizeBytes: number;
  readonly segmentCount: number;
  /** Arrival time of the newest record, or null when the partition has never had one. */
  readonly lastAppendTimestamp: number | null;
}

export interface RetentionPolicy {
  /** Records older than this are deleted; null keeps them forever. */
  readonly retentionMs: number | null;
  /** A partition larger than this loses its oldest segments; null sets no bound. */
  readonly retentionBytes: number | null;
}

export const keepForever: RetentionPolicy = { retentionMs: null, retentionBytes: null };

export interface LogStore {
  /** Fails with LogExistsError if the name is taken. */
  createLog(log: string, partitionCount: number, retention?: RetentionPolicy): Promise<void>;
  /** Removes the log and all its data. Fails with LogNotFoundError. */
  deleteLog(log: string): Promise<void>;
  listLogs(): string[];
  partitionCount(log: string): number;
  /** Adds partitions after the existing ones (resharding) and returns the number of the first new one. */
  addPartitions(log: string, count: number): Promise<number>;
  setRetention(log: string, retention: RetentionPolicy): Promise<void>;

  /**
   * Appends records as one batch and resolves once they are durable under the store's fsync policy.
   * On failure nothing of the batch is ever readable.
   */
  append(log: string, partition: number, records: readonly AppendRecord[]): Promise<AppendResult>;
  /** Reads from `fromOffset` (clamped up to the start offset). An offset at or past the end reads nothing. */
  read(log: string, partition: number, fromOffset: number, limits: ReadLimits): Promise<ReadResult>;
  /** The offset of the first record that arrived at or after `timestamp`, or the end offset when there is none. */
  offsetForTimestamp(log: string, partition: number, timestamp: number): Promise<number>;
  /** Makes every record below `beforeOffset` unreadable and frees the space of whole segments below it. */
  trim(log: string, partition: number, beforeOffset: number): Promise<void>;
  stats(log: string, partition: number): PartitionStats;
  /**
   * Resolves once the partition's end offset is past `offset` (at once if it already is). Rejects with the
   * signal's reason when aborted, and with LogNotFoundError if the log is deleted meanwhile.
   */
  waitForAppend(log: string, partition: number, offset: number, signal?: AbortSignal): Promise<void>;

  /** Applies every log's retention policy now (a live store also does this on a timer). */
  enforceRetention(): Promise<void>;
  /** Finishes in-flight appends, flushes, and closes files. Further calls fail with StoreClosedError. */
  close(): Promise<void>;
}
