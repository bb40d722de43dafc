/**
 * A Firehose stream as stored in the metadata store: namespace `firehose.deliveryStreams`, key `<region>/<name>`.
 * Its delivery checkpoint (the log offset below which every record is in a written object) is kept apart, in
 * `firehose.checkpoints` under the same key, so the loop's frequent commits never rewrite the stream's definition.
 */
import { firehoseLimits } from "../config/limits.js";
import type { S3CompressionFormat } from "./compression.js";
import type { FormatConversionSettings } from "./formats/parquet.js";
import type { HttpEndpointSettings } from "./http-endpoint.js";
import type { DynamicPartitioningSettings, ProcessingSettings } from "./processing/index.js";

export const deliveryStreamsNamespace = "firehose.deliveryStreams";
export const checkpointsNamespace = "firehose.checkpoints";
/** Logs of Firehose streams are named `firehose/<region>/<name>/<createdAt>`. */
export const deliveryLogPrefix = "firehose/";

export interface DeliveryStreamRef {
  readonly region: string;
  readonly name: string;
}

/**
 * An S3 destination (given as ExtendedS3DestinationConfiguration or the older S3DestinationConfiguration), also
 * the S3 backup of an HTTP endpoint destination.
 */
export interface S3DestinationRecord {
  readonly kind: "S3";
  /** Which configuration the stream was created with; both descriptions are returned either way, as AWS does. */
  readonly extended: boolean;
  readonly roleArn: string;
  readonly bucketArn: string;
  readonly prefix: string | null;
  readonly errorOutputPrefix: string | null;
  readonly sizeInMBs: number;
  readonly intervalInSeconds: number;
  readonly compressionFormat: S3CompressionFormat;
  /** Echoed back by DescribeDeliveryStream; Freshet writes no CloudWatch logs. */
  readonly cloudWatchLoggingOptions: { [key: string]: string | boolean } | null;
  /** ExtendedS3 FileExtension: replaces the suffix Firehose would add (".gz"); "" or null keeps the default. */
  readonly fileExtension: string | null;
  /** ExtendedS3 CustomTimeZone (an IANA name) for the times in prefixes; null is UTC. */
  readonly customTimeZone: string | null;
  /** ExtendedS3 only (null otherwise): processors, JSON → Parquet conversion, dynamic partitioning. */
  readonly processing: ProcessingSettings | null;
  readonly dataFormatConversion: FormatConversionSettings | null;
  readonly dynamicPartitioning: DynamicPartitioningSettings | null;
  /** ExtendedS3 `S3BackupMode: Enabled` (`S3BackupConfiguration`): records as they came in, before processing. */
  readonly sourceBackup: S3DestinationRecord | null;
}

/** An HTTP endpoint destination (HttpEndpointDestinationConfiguration). */
export interface HttpEndpointDestinationRecord extends HttpEndpointSettings {
  readonly kind: "HttpEndpoint";
  /** Its ProcessingConfiguration, interpreted (HttpEndpointSettings keeps it as given, for the description). */
  readonly processing: ProcessingSettings | null;
}

export type DestinationRecord = S3DestinationRecord | HttpEndpointDestinationRecord;

/** The Kinesis data stream a KinesisStreamAsSource Firehose stream reads (KinesisStreamSourceConfiguration). */
export interface KinesisStreamSourceRecord {
  readonly kinesisStreamArn: string;
  /** Recorded and described; Freshet does not assume roles. */
  readonly roleArn: string;
  /** Where reading started (LATEST when the Firehose stream was created): DeliveryStartTimestamp, epoch ms. */
  readonly deliveryStartTimestamp: number;
}

export interface DeliveryStreamRecord {
  readonly region: string;
  readonly name: string;
  readonly type: "DirectPut" | "KinesisStreamAsSource";
  /** Set for KinesisStreamAsSource streams only. */
  readonly source?: KinesisStreamSourceRecord;
  /** DirectPutSourceConfiguration.ThroughputHintInMBs: for information only, as in AWS (described, not enforced). */
  readonly throughputHintInMBs?: number;
  readonly createdAt: number;
  /** VersionId: "1" at creation, one more per destination update. */
  readonly versionId: number;
  /** When UpdateDestination last changed the stream (LastUpdateTimestamp); absent until then. */
  readonly updatedAt?: number;
  readonly logName: string;
  readonly destination: DestinationRecord;
  readonly tags: { [key: string]: string };
  /** Server-side encryption as last set (recorded and reported; Freshet's log is not encrypted). Absent: disabled. */
  readonly encryption?: EncryptionSettings;
  /** When Start/StopDeliveryStreamEncryption were called in the last 24 hours (their combined quota). */
  readonly encryptionChanges?: readonly number[];
}

export type KeyType = "AWS_OWNED_CMK" | "CUSTOMER_MANAGED_CMK";

export interface EncryptionSettings {
  readonly keyType: KeyType;
  /** The customer managed key's ARN; null for AWS_OWNED_CMK. */
  readonly keyArn: string | null;
}

export type DeliveryStreamStatus = "CREATING" | "ACTIVE";

export function deliveryStreamKey(ref: DeliveryStreamRef): string {
  return `${ref.region}/${ref.name}`;
}

export function deliveryStreamArn(region: string, name: string): string {
  return `arn:aws:firehose:${region}:${firehoseLimits.accountId}:deliverystream/${name}`;
}

/** `arn:aws:s3:::bucket` → `bucket`. */
export function bucketOf(bucketArn: string): string {
  return bucketArn.slice(bucketArn.lastIndexOf(":") + 1);
}
