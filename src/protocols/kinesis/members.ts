/** Member shapes the Kinesis actions share, with the constraints of the Kinesis API reference. */
import { shardLevelMetricNames } from "../../streams/stream-settings.js";
import type { Shape } from "../aws/shapes.js";

export const streamName = { type: "string", min: 1, max: 128, pattern: "[a-zA-Z0-9_.-]+" } as const satisfies Shape;
export const streamArn = {
  type: "string",
  min: 1,
  max: 2048,
  pattern: "arn:aws.*:kinesis:.*:\\d{12}:stream/\\S+",
} as const satisfies Shape;
export const resourceArn = {
  type: "string",
  min: 1,
  max: 2048,
  pattern: "arn:aws.*:kinesis:.*:\\d{12}:.*stream/\\S+",
} as const satisfies Shape;
export const consumerArn = {
  type: "string",
  min: 1,
  max: 2048,
  pattern: "^(arn):aws.*:kinesis:.*:\\d{12}:.*stream\\/[a-zA-Z0-9_.-]+\\/consumer\\/[a-zA-Z0-9_.-]+:[0-9]+",
} as const satisfies Shape;
export const consumerName = { type: "string", min: 1, max: 128, pattern: "[a-zA-Z0-9_.-]+" } as const satisfies Shape;
export const streamId = { type: "string", min: 1, max: 24, pattern: "[a-z0-9]{20}-[a-z0-9]{3}" } as const satisfies Shape;
export const shardId = { type: "string", min: 1, max: 128, pattern: "[a-zA-Z0-9_.-]+" } as const satisfies Shape;
export const hashKey = { type: "string", pattern: "0|([1-9]\\d{0,38})" } as const satisfies Shape;
export const partitionKey = { type: "string", required: true, min: 1, max: 256 } as const satisfies Shape;
/** Record data: up to 10 MiB on the wire; the stream's MaxRecordSizeInKiB is checked by the service. */
export const recordData = { type: "blob", required: true, min: 0, max: 10485760 } as const satisfies Shape;
export const sequenceNumber = { type: "string", pattern: "0|([1-9]\\d{0,128})" } as const satisfies Shape;
export const shardIteratorType = {
  type: "string",
  // In the order AWS lists them in "Member must satisfy enum value set: [...]".
  enum: ["AFTER_SEQUENCE_NUMBER", "LATEST", "AT_TIMESTAMP", "AT_SEQUENCE_NUMBER", "TRIM_HORIZON"],
} as const satisfies Shape;
export const nextToken = { type: "string", min: 1, max: 1048576 } as const satisfies Shape;
export const tagKey = { type: "string", min: 1, max: 128 } as const satisfies Shape;
export const tagMap = {
  type: "map",
  key: { type: "string", min: 1, max: 128 },
  value: { type: "string", min: 0, max: 256 },
  min: 1,
  max: 200,
} as const satisfies Shape;
export const tagKeyList = { type: "list", member: tagKey, min: 1, max: 50 } as const satisfies Shape;
export const streamModeDetails = {
  type: "structure",
  members: { StreamMode: { type: "string", required: true, enum: ["PROVISIONED", "ON_DEMAND"] } },
} as const satisfies Shape;
export const maxRecordSizeInKiB = { type: "integer", min: 1024, max: 10240 } as const satisfies Shape;
export const metricsNameList = {
  type: "list",
  member: { type: "string", enum: [...shardLevelMetricNames, "ALL"] },
  min: 1,
  max: 7,
} as const satisfies Shape;

/**
 * StreamName / StreamARN / StreamId: how most actions name their stream. AWS reports violations in the order of the
 * input shape's members, StreamName mostly last; an action that checks something after StreamName lists the three
 * itself.
 */
export const streamTarget = { StreamName: streamName, StreamARN: streamArn, StreamId: streamId } as const;

/** ConsumerARN, or StreamARN + ConsumerName: how DescribeStreamConsumer and DeregisterStreamConsumer name a consumer. */
export const consumerTarget = { StreamARN: streamArn, ConsumerName: consumerName, ConsumerARN: consumerArn, StreamId: streamId } as const;

export const encryptionType = { type: "string", enum: ["NONE", "KMS"] } as const satisfies Shape;
export const keyId = { type: "string", min: 1, max: 2048 } as const satisfies Shape;
