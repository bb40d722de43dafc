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
  /**
   * The active segment's new index entries reach its index file once they cover this many bytes of batches (and
   * when the segment is sealed or closed), not at every write round: a write to a second file each round costs a
   * trip to the thread pool. After a crash, recovery rebuilds the entries it lacks by scanning at most this much.
   */
  indexWriteIntervalBytes: 1 * MiB,
  /**
   * Under `--fsync always`, a write round smaller than this is made durable through the store's write-ahead file
   * (one durable write for the rounds of every partition at once); a larger one is synced in its own segment, so its
   * bytes are written once.
   */
  writeAheadRoundMaxBytes: 64 * KiB,
  /**
   * Under `--fsync always`, a round alone in a store that has had no round in flight for this long (a lone PutRecord
   * at low load) makes its one O_DSYNC write from the event loop instead of the thread pool: there, the trip's two
   * thread wake-ups cost more than the write itself (~1 ms against ~0.2 ms on the benchmark's 2-core VM). A busier
   * store keeps the pool, where a write overlaps the next requests' work and later rounds share the write-ahead file.
   */
  quietStoreMs: 1,
  /** …if the round is at most this large, so that the event loop is never held for long. */
  quietWriteMaxBytes: 64 * KiB,
  /**
   * Under `--fsync always`, the write-ahead file is checkpointed (every partition's segment synced, the file deleted)
   * once it holds this much. It bounds what a restart after a crash reads, checks and writes back: about 0.5 s for
   * a full file on the benchmark's 2-core machine (~375 MB/s, checking the checksums of many small batches one call
   * each), against a checkpoint's cost of one fdatasync per partition written since the last.
   */
  writeAheadCheckpointBytes: 16 * MiB,
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
  /** Within a round, a write starts each time this many bytes are sealed, overlapping the rest of the checksums. */
  roundWriteChunkBytes: 512 * KiB,
  /** A plain segment write of fewer bytes goes to the write thread (write-thread.ts); a larger one, to the pool. */
  writeThreadMaxBytes: 64 * KiB,
  /**
   * Up to this many small plain segment writes asked for in one turn of the event loop (a PutRecords on up to 64
   * shards) are made right there, one synchronous call each: on the benchmark's 2-core VM a call costs tens of
   * microseconds, and a message to the write thread and back cost more, mostly in waiting for the event loop to take
   * the answer. More writes than this go to the write thread as one message, so that one turn never holds the event
   * loop for hundreds of calls.
   */
  loopWriteMaxCount: 64,
  /** Segment indexes kept in memory for segments that are no longer written (the active one is always in memory). */
  cachedSegmentIndexes: 256,
  /** Bytes of each partition's newest batches kept in memory for readers at the end of the log (recent-batches.ts). */
  recentBatchBytes: 256 * KiB,
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
  /** HTTP/2 flow-control windows: a stream may send a whole maximal request body without waiting. */
  http2StreamWindowBytes: 16 * MiB,
  http2ConnectionWindowBytes: 64 * MiB,
  http2MaxConcurrentStreams: 1000,
  /**
   * Largest piece of an answer handed to a connection at once; the next waits until the connection has taken it.
   * Node's HTTP/2 server counts what a session has queued to send against the session's memory limit and refuses new
   * streams (ENHANCE_YOUR_CALM) while over it, so a whole 14 MB GetRecords answer queued for a client that is still
   * busy with another would turn away that client's next call on the same connection.
   */
  responsePieceBytes: 256 * KiB,
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
  /** UpdateShardCount cannot take a stream above this many open shards (or scale one above it down, unless below). */
  updateShardCountMaxShards: 10_000,
  /** UpdateStreamMode: switching between PROVISIONED and ON_DEMAND at most this often per rolling 24 hours. */
  streamModeUpdatesPerRollingDay: 2,
  /** SubscribeToShard: a subscription lasts 5 minutes; an event at least every 5 s; one call per second. */
  subscriptionLifetimeMs: 5 * 60 * 1000,
  subscriptionHeartbeatMs: 5_000,
  /** One SubscribeToShard call per second per consumer per shard (LimitExceededException beyond). */
  subscribeMinIntervalMs: 1000,
  /** A second subscription to a consumer+shard within 5 s of the live one gets ResourceInUseException; later, it takes over. */
  subscriptionTakeoverAfterMs: 5_000,
  /** Enhanced fan-out reads: 2 MiB/s per consumer per shard; an event holds at most one second's worth. */
  subscriptionReadBytesPerSecond: 2 * MiB,
  /** RegisterStreamConsumer: at most 5 consumers CREATING at once in an account (Freshet: per region). */
  consumersCreatingAtOnce: 5,
  listStreamsDefaultLimit: 100,
  listShardsDefaultMaxResults: 1000,
  /** ListShards returns at most this many shards per call, whatever MaxResults asks (up to 10000) says. */
  listShardsMaxResults: 1000,
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

/**
 * How Freshet scales ON_DEMAND streams (AWS does not publish its rule; this is Freshet's own, described in
 * docs/compatibility.md). Writes to an ON_DEMAND stream are never throttled per shard. Instead each open shard's
 * writes are counted in one-second buckets; when a shard's average write rate over the last `windowMs` exceeds
 * the provisioned per-shard limit (`kinesisLimits.shardWriteBytesPerSecond` or `shardWriteRecordsPerSecond`),
 * the shard is split at the midpoint of its hash key range, as long as the account shard limit allows. The
 * children start with empty windows, so each split needs another full window of excess traffic.
 */
export const onDemandScaling = {
  /** The averaging window: a shard splits once its writes over this long exceed its per-second limit × window. */
  windowMs: 10_000,
  /** Granularity of the write counters. */
  bucketMs: 1000,
} as const;

/** SigV4 verification (only with `--credentials`). */
export const sigV4Limits = {
  /** How far a signature's date may be from the server's clock either way (AWS: 5 minutes). */
  clockSkewMs: 5 * 60 * 1000,
  /** Longest X-Amz-Expires a presigned request may carry: one week. */
  presignedMaxExpiresSeconds: 604_800,
} as const;

/**
 * Kinesis tags (AddTagsToStream, RemoveTagsFromStream, ListTagsForStream, TagResource, UntagResource): AWS's rules,
 * and its wording when a request breaks them. At most `kinesisLimits.tagsPerStream` tags per stream or consumer.
 * A tag key or value may hold Unicode letters and digits, white space and `_ . / = + - @ :` (and `%`, which the
 * character check lets through but the stream check then refuses, as AWS does).
 */
export const kinesisTagRules = {
  allowedCharacters: /^[\p{L}\p{M}\p{N}\p{Z}\s_.:/=+\-@%]*$/u,
  listTagsForStreamDefaultLimit: 50,
  invalidCharacters: "Some tags contain invalid characters. Valid characters: Unicode letters, digits, white space, _ . / = + - % @ :.",
  /** `resource` is e.g. "stream orders"; `change` "add tags to" or "remove tags from". */
  illegalCharacters: (change: string, resource: string) =>
    `Failed to ${change} ${resource} under account ${kinesisLimits.accountId} because some tags contained illegal characters. The allowed characters are Unicode letters, white-spaces, '_',',','/','=','+','-','@',':'.`,
  /** `kind` is "stream" or "consumer". */
  tooMany: (resource: string, kind: string) =>
    `Failed to add tags to ${resource} under account ${kinesisLimits.accountId} because a given ${kind} cannot have more than ${kinesisLimits.tagsPerStream} tags associated with it.`,
} as const;

/** Kinesis control-plane settings besides tags. */
export const kinesisSettingsLimits = {
  /** UpdateStreamWarmThroughput: at most 10 GiB/s per ON_DEMAND stream. */
  warmThroughputMaxMiBps: 10_240,
  /** MinimumThroughputBillingCommitment: once enabled, it cannot end before this long has passed. */
  minimumThroughputCommitmentMs: 24 * 60 * 60 * 1000,
  /** PutResourcePolicy: the policy document, in bytes of UTF-8. */
  resourcePolicyMaxBytes: 20 * KiB,
} as const;

/** Amazon Data Firehose quotas and defaults, named as the Firehose documentation names them. */
export const firehoseLimits = {
  accountId: "000000000000",
  /** A record's data, before base64: 1,000 KiB. */
  recordMaxBytes: 1000 * KiB,
  /** PutRecordBatch: at most 500 records and 4 MiB of record data per call. */
  putRecordBatchMaxRecords: 500,
  putRecordBatchMaxBytes: 4 * MiB,
  /** S3 BufferingHints: SizeInMBs 1–128 (default 5), IntervalInSeconds 0–900 (default 300). */
  bufferSizeMiBRange: [1, 128] as const,
  defaultBufferSizeMiB: 5,
  bufferIntervalSecondsRange: [0, 900] as const,
  defaultBufferIntervalSeconds: 300,
  /** Firehose streams per account and region (the default quota). */
  deliveryStreamsPerRegion: 5000,
  tagsPerDeliveryStream: 50,
  listDeliveryStreamsDefaultLimit: 10,
  listTagsDefaultLimit: 50,
  /** Per-stream ingest quotas for DirectPut (the default in most regions), enforced with `limits: on`. */
  ingestCallsPerSecond: 2000,
  ingestRecordsPerSecond: 5000,
  ingestBytesPerSecond: 5 * MiB,
  /** The one destination of a Firehose stream is always named this. */
  destinationId: "destinationId-000000000001",
  /** Dynamic partitioning: at most 500 partitions buffered at once per stream; records for more go to the error output. */
  activePartitionsPerStream: 500,
  /** Start- and StopDeliveryStreamEncryption: 25 calls in all per stream per 24 hours. */
  encryptionChangesPerDay: 25,
  /** HTTP endpoint destination: BufferingHints SizeInMBs 1–64 (default 5), IntervalInSeconds 0–900 (default 300). */
  httpEndpointBufferSizeMiBRange: [1, 64] as const,
  httpEndpointDefaultBufferSizeMiB: 5,
  /** RetryOptions.DurationInSeconds: 0–7200, default 300; 0 means one attempt and no retries. */
  httpEndpointRetryDurationSecondsRange: [0, 7200] as const,
  httpEndpointDefaultRetryDurationSeconds: 300,
  /** A request body holds at most 10,000 records (the request schema's `maxItems`). */
  httpEndpointRequestMaxRecords: 10_000,
  /** An endpoint's response may be at most 1 MiB. */
  httpEndpointResponseMaxBytes: 1 * MiB,
  /** Retries back off from 1 s, doubling each time, ±15% jitter, at most 2 minutes apart. */
  httpEndpointInitialBackoffMs: 1000,
  httpEndpointMaxBackoffMs: 2 * 60 * 1000,
  httpEndpointBackoffJitter: 0.15,
} as const;

/** How Freshet's delivery engine runs (its own choices, not AWS quotas). */
export const deliveryDefaults = {
  /** A delivery loop reads the stream's log in reads of at most this many records. */
  readMaxRecords: 10_000,
  /**
   * After a failed delivery, the loop retries the same buffer after this long, doubled for each further failure in a
   * row up to `retryBackoffDoublings` times (1 s … 32 s). AWS retries S3 for 24 h; Freshet for as long as it fails.
   */
  retryDelayMs: 1000,
  retryBackoffDoublings: 5,
  /**
   * A loop stops reading ahead once its buffers hold this much (or the stream's SizeInMBs, if larger) and delivers
   * its oldest buffer early: with dynamic partitioning, 500 partitions × 128 MiB would not fit in memory.
   */
  maxBufferedBytes: 256 * MiB,
  /** A graceful stop gives the last deliveries this long, then abandons them (the records stay on the log). */
  stopGraceMs: 10_000,
  /** How much of an HTTP endpoint's response body an error message quotes (AWS logs it "truncated"). */
  httpEndpointQuotedResponseChars: 1024,
  /** An HTTP endpoint has this long to answer one attempt (AWS: 3 minutes); tests pass a shorter one. */
  httpEndpointAttemptTimeoutMs: 3 * 60 * 1000,
} as const;

/** Freshet's own Firehose timings (AWS takes seconds to create a stream; a local server need not). */
export const firehoseTimings = {
  /** How long a new Firehose stream shows CREATING before it is ACTIVE. */
  deliveryStreamCreateDelayMs: 0,
} as const;

/**
 * Record format conversion (DataFormatConversionConfiguration): the ParquetSerDe's defaults and bounds, and what
 * Firehose requires of a stream that converts.
 */
export const formatConversionDefaults = {
  parquetCompression: "SNAPPY",
  /** ParquetSerDe.BlockSizeBytes: the HDFS block size Hive pads to; default 256 MiB, at least 64 MiB. */
  parquetBlockSizeBytes: 256 * MiB,
  minBlockSizeBytes: 64 * MiB,
  /** ParquetSerDe.PageSizeBytes: default 1 MiB, at least 64 KiB. */
  parquetPageSizeBytes: 1 * MiB,
  minParquetPageSizeBytes: 64 * KiB,
  enableDictionaryCompression: true,
  maxPaddingBytes: 0,
  parquetWriterVersion: "V1",
  /**
   * A converted object gets a row group per this much JSON, so that a 128 MiB buffer is never held as rows at once
   * (Hive starts one per BlockSizeBytes of Parquet; a buffer rarely fills one once columnar and compressed).
   */
  rowGroupInputBytes: 16 * MiB,
  /** With format conversion, the S3 buffer must be at least this large (SizeInMBs 64–128). */
  minBufferSizeMiB: 64,
} as const;

/** Firehose data processing (ProcessingConfiguration), as the Firehose developer guide states it. */
export const firehoseProcessingLimits = {
  /** Lambda processor BufferSizeInMBs: 0.2–3 MB, default 1 MB (the records sent in one invocation). */
  lambdaBufferSizeMiBRange: [0.2, 3] as const,
  lambdaDefaultBufferSizeMiB: 1,
  /** Lambda processor BufferIntervalInSeconds: 0–900, default 60. */
  lambdaBufferIntervalSecondsRange: [0, 900] as const,
  lambdaDefaultBufferIntervalSeconds: 60,
  /** Lambda processor NumberOfRetries: a failed invocation is retried 3 times by default; AWS checks no range. */
  lambdaDefaultNumberOfRetries: 3,
  /** Freshet's own: a larger NumberOfRetries is honoured as this many (retries are immediate, and block the loop). */
  lambdaMaxNumberOfRetries: 100,
  /** Firehose waits at most 5 minutes for a Lambda invocation. */
  lambdaInvocationTimeoutMs: 5 * 60 * 1000,
  /** Lambda's synchronous invocation payload limit, request and response. */
  lambdaPayloadMaxBytes: 6 * 1000 * 1000,
  /** RecordDeAggregation (JSON or DELIMITED) splits a record into at most 500; a record holding more passes whole. */
  deaggregationMaxSubRecords: 500,
  /** DynamicPartitioningConfiguration RetryOptions.DurationInSeconds: 0–7200, default 300. */
  dynamicPartitioningRetrySecondsRange: [0, 7200] as const,
  dynamicPartitioningDefaultRetrySeconds: 300,
} as const;
