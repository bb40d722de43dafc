import { addTagsToStream } from "./add-tags-to-stream.js";
import { deleteResourcePolicy } from "./delete-resource-policy.js";
import { describeAccountSettings } from "./describe-account-settings.js";
import { describeLimits } from "./describe-limits.js";
import { disableEnhancedMonitoring } from "./disable-enhanced-monitoring.js";
import { enableEnhancedMonitoring } from "./enable-enhanced-monitoring.js";
import { getResourcePolicy } from "./get-resource-policy.js";
import { listTagsForResource } from "./list-tags-for-resource.js";
import { listTagsForStream } from "./list-tags-for-stream.js";
import { putResourcePolicy } from "./put-resource-policy.js";
import { removeTagsFromStream } from "./remove-tags-from-stream.js";
import { startStreamEncryption } from "./start-stream-encryption.js";
import { stopStreamEncryption } from "./stop-stream-encryption.js";
import { tagResource } from "./tag-resource.js";
import { untagResource } from "./untag-resource.js";
import { updateAccountSettings } from "./update-account-settings.js";
import { updateMaxRecordSize } from "./update-max-record-size.js";
import { updateStreamWarmThroughput } from "./update-stream-warm-throughput.js";
import { createStream } from "./create-stream.js";
import { deleteStream } from "./delete-stream.js";
import { deregisterStreamConsumer } from "./deregister-stream-consumer.js";
import { describeStreamConsumer } from "./describe-stream-consumer.js";
import { describeStream } from "./describe-stream.js";
import { describeStreamSummary } from "./describe-stream-summary.js";
import { getRecords } from "./get-records.js";
import { getShardIterator } from "./get-shard-iterator.js";
import { listShards } from "./list-shards.js";
import { listStreamConsumers } from "./list-stream-consumers.js";
import { listStreams } from "./list-streams.js";
import { mergeShards } from "./merge-shards.js";
import { putRecord } from "./put-record.js";
import { putRecords } from "./put-records.js";
import { registerStreamConsumer } from "./register-stream-consumer.js";
import { decreaseStreamRetentionPeriod, increaseStreamRetentionPeriod } from "./retention.js";
import { splitShard } from "./split-shard.js";
import { subscribeToShard } from "./subscribe-to-shard.js";
import { updateShardCount } from "./update-shard-count.js";
import { updateStreamMode } from "./update-stream-mode.js";

export const kinesisActions = [
  createStream,
  deleteStream,
  describeStream,
  describeStreamSummary,
  listStreams,
  increaseStreamRetentionPeriod,
  decreaseStreamRetentionPeriod,
  putRecord,
  putRecords,
  getShardIterator,
  getRecords,
  listShards,
  splitShard,
  mergeShards,
  updateShardCount,
  updateStreamMode,
  registerStreamConsumer,
  deregisterStreamConsumer,
  describeStreamConsumer,
  listStreamConsumers,
  subscribeToShard,
  addTagsToStream,
  removeTagsFromStream,
  listTagsForStream,
  tagResource,
  untagResource,
  listTagsForResource,
  startStreamEncryption,
  stopStreamEncryption,
  enableEnhancedMonitoring,
  disableEnhancedMonitoring,
  describeLimits,
  describeAccountSettings,
  updateAccountSettings,
  putResourcePolicy,
  getResourcePolicy,
  deleteResourcePolicy,
  updateMaxRecordSize,
  updateStreamWarmThroughput,
];
