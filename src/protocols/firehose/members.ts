/** Member shapes the Firehose actions share, with the constraints of the Firehose API reference. */
import { firehoseLimits } from "../../config/limits.js";
import type { Shape } from "../aws/shapes.js";
import { dataFormatConversionConfiguration } from "./format-conversion.js";
import { dynamicPartitioningConfiguration, processingConfiguration } from "./processing-configuration.js";

export const deliveryStreamName = { type: "string", min: 1, max: 64, pattern: "[a-zA-Z0-9_.-]+" } as const satisfies Shape;
export const deliveryStreamType = {
  type: "string",
  enum: ["DirectPut", "KinesisStreamAsSource", "MSKAsSource", "DatabaseAsSource"],
} as const satisfies Shape;
export const record = {
  type: "structure",
  members: { Data: { type: "blob", required: true, min: 0, max: firehoseLimits.recordMaxBytes } },
} as const satisfies Shape;

/** Tag keys and values: AWS's patterns need Unicode classes, so they are checked by the action, not the shape. */
export const tagKey = { type: "string", min: 1, max: 128 } as const satisfies Shape;
export const tag = {
  type: "structure",
  members: { Key: { ...tagKey, required: true }, Value: { type: "string", min: 0, max: 256 } },
} as const satisfies Shape;
export const tagList = { type: "list", member: tag, min: 1, max: firehoseLimits.tagsPerDeliveryStream } as const satisfies Shape;

/** A member Freshet does not support yet: kept as an opaque structure, so the action can refuse it by name. */
export const unsupported = { type: "structure", members: {} } as const satisfies Shape;

const bufferingHints = {
  type: "structure",
  members: {
    SizeInMBs: { type: "integer", min: firehoseLimits.bufferSizeMiBRange[0], max: firehoseLimits.bufferSizeMiBRange[1] },
    IntervalInSeconds: {
      type: "integer",
      min: firehoseLimits.bufferIntervalSecondsRange[0],
      max: firehoseLimits.bufferIntervalSecondsRange[1],
    },
  },
} as const satisfies Shape;
const compressionFormat = { type: "string", enum: ["UNCOMPRESSED", "GZIP", "ZIP", "Snappy", "HADOOP_SNAPPY"] } as const satisfies Shape;
const encryptionConfiguration = {
  type: "structure",
  members: { NoEncryptionConfig: { type: "string", enum: ["NoEncryption"] }, KMSEncryptionConfig: unsupported },
} as const satisfies Shape;
const cloudWatchLoggingOptions = {
  type: "structure",
  members: {
    Enabled: { type: "boolean" },
    LogGroupName: { type: "string", min: 0, max: 512, pattern: "[\\.\\-_/#A-Za-z0-9]*" },
    LogStreamName: { type: "string", min: 0, max: 512, pattern: "[^:*]*" },
  },
} as const satisfies Shape;

/** The S3 members of a destination update: a configuration's, with nothing required (what is left out is kept). */
const s3UpdateMembers = {
  RoleARN: { type: "string", min: 1, max: 512, pattern: "arn:.*:iam::\\d{12}:role/[a-zA-Z_0-9+=,.@\\-_/]+" },
  BucketARN: { type: "string", min: 1, max: 2048, pattern: "arn:.*:s3:::[\\w\\.\\-]{1,255}" },
  Prefix: { type: "string", min: 0, max: 1024 },
  ErrorOutputPrefix: { type: "string", min: 0, max: 1024 },
  BufferingHints: bufferingHints,
  CompressionFormat: compressionFormat,
  EncryptionConfiguration: encryptionConfiguration,
  CloudWatchLoggingOptions: cloudWatchLoggingOptions,
} as const;

const s3Members = {
  ...s3UpdateMembers,
  RoleARN: { ...s3UpdateMembers.RoleARN, required: true },
  BucketARN: { ...s3UpdateMembers.BucketARN, required: true },
} as const;

const extendedOnlyMembers = {
  ProcessingConfiguration: processingConfiguration,
  S3BackupMode: { type: "string", enum: ["Disabled", "Enabled"] },
  DataFormatConversionConfiguration: dataFormatConversionConfiguration,
  DynamicPartitioningConfiguration: dynamicPartitioningConfiguration,
  FileExtension: { type: "string", min: 0, max: 128, pattern: "^$|\\.[0-9a-z!\\-_.*'()]+" },
  CustomTimeZone: { type: "string", min: 0, max: 50, pattern: "^$|[a-zA-Z/_]+" },
} as const;

export const s3DestinationConfiguration = { type: "structure", members: s3Members } as const satisfies Shape;

export const extendedS3DestinationConfiguration = {
  type: "structure",
  members: { ...s3Members, ...extendedOnlyMembers, S3BackupConfiguration: s3DestinationConfiguration },
} as const satisfies Shape;

export const s3DestinationUpdate = { type: "structure", members: s3UpdateMembers } as const satisfies Shape;

export const extendedS3DestinationUpdate = {
  type: "structure",
  members: { ...s3UpdateMembers, ...extendedOnlyMembers, S3BackupUpdate: s3DestinationUpdate },
} as const satisfies Shape;
