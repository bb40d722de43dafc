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

/** Amazon Kinesis Data Streams quotas and defaults, named as the Kinesis documentation names them. */
export const kinesisLimits = {
  accountId: "000000000000",
  defaultRegion: "us-east-1",
  /** Records: at most 1 MiB of data plus partition key, unless the stream's MaxRecordSizeInKiB raises it. */
  defaultMaxRecordSizeKiB: 1024,
  maxRecordSizeKiBRange: [1024, 10240] as const,
  partitionKeyMaxLength: 256,
  putRecordsMaxRecords: 500,
  /** PutRecords: at most 10 MiB per request, partition keys included. */
  putRecordsMaxBytes: 10 * MiB,
  getRecordsMaxRecords: 10_000,
  getRecordsMaxBytes: 10 * MiB,
  /** Per shard, per second. */
  shardWriteBytesPerSecond: 1 * MiB,
  shardWriteRecordsPerSecond: 1000,
  shardReadBytesPerSecond: 2 * MiB,
  shardReadCallsPerSecond: 5,
  shardIteratorTtlMs: 5 * 60 * 1000,
  retentionHoursRange: [24, 8760] as const,
  defaultRetentionHours: 24,
  /** Open shards per account (the default quota in us-east-1). */
  shardLimit: 20_000,
  onDemandStreamCountLimit: 50,
  /** ON_DEMAND streams start with this many shards. */
  onDemandInitialShards: 4,
  consumersPerStream: 20,
  tagsPerStream: 50,
  tagsPerRequest: 10,
  updateShardCountPerRollingDay: 10,
  /** SubscribeToShard: a subscription lasts 5 minutes; an event at least every 5 s; one call per second. */
  subscriptionLifetimeMs: 5 * 60 * 1000,
  subscriptionHeartbeatMs: 5_000,
  listStreamsDefaultLimit: 100,
  listShardsDefaultMaxResults: 1000,
  listStreamConsumersDefaultMaxResults: 100,
  describeStreamDefaultLimit: 100,
  /** NextToken lifetime for ListShards / ListStreamConsumers / ListStreams. */
  nextTokenTtlMs: 300 * 1000,
} as const;

/** Freshet's own Kinesis timings (AWS takes seconds; a local server need not). */
export const kinesisTimings = {
  /** How long a new stream stays CREATING before it is ACTIVE. */
  streamCreateDelayMs: 0,
  /** How long a stream shows UPDATING after a reshard, mode or encryption change. */
  streamUpdateDelayMs: 0,
  /** How long a new consumer stays CREATING. */
  consumerCreateDelayMs: 0,
} as const;
