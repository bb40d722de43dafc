/**
 * What Freshet keeps about a Kinesis stream, as stored in the metadata store (JSON; 128-bit hash keys as decimal
 * strings). One record per stream holds its shards and consumers, so every control-plane change to a stream is
 * one atomic commit.
 *
 * Statuses that AWS reaches after a delay (CREATING → ACTIVE, UPDATING → ACTIVE) are derived from the time the
 * delay ends, so no timer has to survive a restart.
 */

export type StreamMode = "PROVISIONED" | "ON_DEMAND";
export type StreamStatus = "CREATING" | "DELETING" | "ACTIVE" | "UPDATING";
export type ConsumerStatus = "CREATING" | "DELETING" | "ACTIVE";

export interface ShardRecord {
  /** `shardId-` and 12 digits: the shard's number in the stream, which is also its log partition. */
  readonly shardId: string;
  readonly partition: number;
  readonly parentShardId?: string;
  readonly adjacentParentShardId?: string;
  readonly startingHashKey: string;
  readonly endingHashKey: string;
  readonly startingSequenceNumber: string;
  /** Set when the shard is closed by a split or merge. */
  readonly endingSequenceNumber?: string;
  /** Offset one past the shard's last record, once closed. */
  readonly endOffset?: number;
  readonly createdAt: number;
  readonly closedAt?: number;
}

export interface ConsumerRecord {
  readonly name: string;
  readonly arn: string;
  readonly createdAt: number;
  readonly activeAt: number;
  readonly tags: Readonly<Record<string, string>>;
  /** PutResourcePolicy's document: stored and returned, not enforced. */
  readonly resourcePolicy?: string;
}

export interface StreamRecord {
  readonly name: string;
  readonly arn: string;
  readonly region: string;
  /** The log holding the stream's records: the name plus creation time, so a recreated stream starts empty. */
  readonly logName: string;
  readonly createdAt: number;
  readonly activeAt: number;
  /** UPDATING until this time, after a reshard, mode or encryption change. */
  readonly updatingUntil: number;
  readonly mode: StreamMode;
  readonly retentionHours: number;
  readonly maxRecordSizeKiB: number;
  readonly warmThroughputMiBps?: number;
  readonly shards: readonly ShardRecord[];
  readonly tags: Readonly<Record<string, string>>;
  /** StartStreamEncryption's KMS key is recorded and reported; records are not actually encrypted. */
  readonly encryption: { readonly type: "NONE" | "KMS"; readonly keyId?: string };
  readonly shardLevelMetrics: readonly string[];
  readonly consumers: readonly ConsumerRecord[];
  readonly resourcePolicy?: string;
  /** Times of recent UpdateShardCount calls, for the 10-per-rolling-day quota. */
  readonly shardCountUpdates: readonly number[];
  /** Times of recent UpdateStreamMode switches, for the 2-per-rolling-day quota (absent in older records). */
  readonly modeUpdates?: readonly number[];
}

export function streamStatus(stream: StreamRecord, now: number): StreamStatus {
  if (now < stream.activeAt) return "CREATING";
  if (now < stream.updatingUntil) return "UPDATING";
  return "ACTIVE";
}

export function consumerStatus(consumer: ConsumerRecord, now: number): ConsumerStatus {
  return now < consumer.activeAt ? "CREATING" : "ACTIVE";
}

export function isOpen(shard: ShardRecord): boolean {
  return shard.endingSequenceNumber === undefined;
}

export function openShards(stream: StreamRecord): ShardRecord[] {
  return stream.shards.filter(isOpen);
}

export function shardIdFor(partition: number): string {
  return `shardId-${String(partition).padStart(12, "0")}`;
}
