/** How streams, shards and consumers appear on the Kinesis wire. */
import { consumerStatus, type ConsumerRecord, openShards, type ShardRecord, type StreamRecord, streamStatus } from "../../streams/model.js";
import type { ChildShard, ReadRecord } from "../../streams/records-service.js";

export function wireShard(shard: ShardRecord) {
  return {
    ShardId: shard.shardId,
    ParentShardId: shard.parentShardId,
    AdjacentParentShardId: shard.adjacentParentShardId,
    HashKeyRange: { StartingHashKey: shard.startingHashKey, EndingHashKey: shard.endingHashKey },
    SequenceNumberRange: {
      StartingSequenceNumber: shard.startingSequenceNumber,
      EndingSequenceNumber: shard.endingSequenceNumber,
    },
  };
}

function commonDescription(stream: StreamRecord, now: number) {
  return {
    StreamName: stream.name,
    StreamARN: stream.arn,
    StreamStatus: streamStatus(stream, now),
    StreamModeDetails: { StreamMode: stream.mode },
    RetentionPeriodHours: stream.retentionHours,
    StreamCreationTimestamp: new Date(stream.createdAt),
    EnhancedMonitoring: [{ ShardLevelMetrics: [...stream.shardLevelMetrics] }],
    EncryptionType: stream.encryption.type,
    KeyId: stream.encryption.keyId,
  };
}

export function wireStreamDescription(stream: StreamRecord, now: number, shards: readonly ShardRecord[], hasMoreShards: boolean) {
  return { ...commonDescription(stream, now), Shards: shards.map(wireShard), HasMoreShards: hasMoreShards };
}

export function wireStreamSummary(stream: StreamRecord, now: number) {
  return {
    ...commonDescription(stream, now),
    OpenShardCount: openShards(stream).length,
    ConsumerCount: stream.consumers.length,
    MaxRecordSizeInKiB: stream.maxRecordSizeKiB,
    WarmThroughput: stream.warmThroughputMiBps === undefined ? undefined : { TargetMiBps: stream.warmThroughputMiBps, CurrentMiBps: stream.warmThroughputMiBps },
  };
}

/** A ConsumerDescription (DescribeStreamConsumer). */
export function wireConsumer(stream: StreamRecord, consumer: ConsumerRecord, now: number) {
  return { ...wireConsumerSummary(consumer, now), StreamARN: stream.arn };
}

/** A Consumer (RegisterStreamConsumer, ListStreamConsumers): a description without the stream's ARN. */
export function wireConsumerSummary(consumer: ConsumerRecord, now: number) {
  return {
    ConsumerName: consumer.name,
    ConsumerARN: consumer.arn,
    ConsumerStatus: consumerStatus(consumer, now),
    ConsumerCreationTimestamp: new Date(consumer.createdAt),
  };
}

/** A Record, as GetRecords and SubscribeToShard events carry it. */
export function wireRecord(record: ReadRecord) {
  return {
    SequenceNumber: record.sequenceNumber,
    ApproximateArrivalTimestamp: new Date(record.arrivalTimestamp),
    Data: record.data,
    PartitionKey: record.partitionKey,
    EncryptionType: record.encryptionType,
  };
}

export function wireChildShard(child: ChildShard) {
  return {
    ShardId: child.shardId,
    ParentShards: child.parentShards,
    HashKeyRange: { StartingHashKey: child.startingHashKey, EndingHashKey: child.endingHashKey },
  };
}
