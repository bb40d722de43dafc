/**
 * Every limit and default in Freshet, in one place, named as the service (or the storage engine) names it.
 * Units come last in names: `segmentBytes`, `fsyncIntervalMs`.
 */

const KiB = 1024;
const MiB = 1024 * KiB;

/** The embedded log's defaults. Each can be overridden per store; these are what `freshet serve` uses. */
export const logStorageDefaults = {
  /** A segment rolls once it holds this many bytes. Small enough that the one segment a restart scans is cheap. */
  segmentBytes: 64 * MiB,
  /** A segment also rolls once its first record is this old, so time-based retention can delete whole files. */
  segmentMs: 60 * 60 * 1000,
  /** One sparse index entry per this many bytes of batches (Kafka's `index.interval.bytes`). */
  indexIntervalBytes: 4 * KiB,
  /** With `--fsync interval`, how often dirty partitions are flushed. */
  fsyncIntervalMs: 1000,
  /** How often the retention pass runs in a live server. */
  retentionCheckIntervalMs: 30 * 1000,
  /** Read granularity when scanning a segment; a larger batch is read whole. */
  readChunkBytes: 1 * MiB,
  /** A write round (one writev + one fdatasync) takes queued appends up to this many bytes… */
  writeRoundMaxBytes: 16 * MiB,
  /** …and this many appends; the rest wait for the next round. Bounds the iovec list and a round's latency. */
  writeRoundMaxAppends: 1024,
  /** Segment indexes kept in memory for segments that are no longer written (the active one is always in memory). */
  cachedSegmentIndexes: 256,
} as const;

/**
 * Hard bounds of the on-disk format. A batch header claiming more than `maxBatchBytes` is treated as corrupt, which
 * bounds what recovery will ever try to read. It sits well above the largest request any protocol accepts
 * (a Kinesis PutRecords body is at most 10 MiB of record data).
 */
export const logFormatLimits = {
  maxBatchBytes: 256 * MiB,
  maxRecordsPerBatch: 1_000_000,
} as const;

/** The metadata journal is rewritten as a snapshot once it is this large and more than twice its live data. */
export const metadataJournalCompactBytes = 1 * MiB;

/** HTTP front door. */
export const serverDefaults = {
  host: "127.0.0.1",
  port: 4567,
  dataDir: "./freshet-data",
  /** Largest request body read before answering 413; above Kinesis' 10 MiB PutRecords payload once base64-encoded. */
  maxRequestBodyBytes: 16 * MiB,
  /** How long a graceful shutdown waits for in-flight requests before closing their connections. */
  shutdownGraceMs: 10_000,
} as const;
