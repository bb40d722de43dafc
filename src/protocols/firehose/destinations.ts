/**
 * S3 destination settings between the wire and the domain: a CreateDeliveryStream configuration becomes an
 * S3DestinationRecord, checked for what Freshet supports; an UpdateDestination update is merged over the stream's
 * current configuration (members left out are kept, as AWS merges updates of the same destination type) and then
 * checked the same way.
 */
import { firehoseLimits } from "../../config/limits.js";
import { invalidArgument } from "../../delivery/errors.js";
import { bucketOf, type CompressionFormat, type S3DestinationRecord, supportedCompressionFormats } from "../../delivery/model.js";
import { checkPrefix, hasExpressions } from "../../delivery/object-keys.js";
import type { ValueOf } from "../aws/action.js";
import type { extendedS3DestinationUpdate } from "./members.js";

/** Any of the four S3 shapes (configuration or update, plain or extended), as the shape interpreter gives them. */
type S3Settings = ValueOf<typeof extendedS3DestinationUpdate> & { S3BackupConfiguration?: object };

export function destinationFrom(input: S3Settings, extended: boolean): S3DestinationRecord {
  if (input.RoleARN === undefined || input.BucketARN === undefined) {
    throw invalidArgument("RoleARN and BucketARN are required for an S3 destination.");
  }
  if (input.ProcessingConfiguration?.Enabled === true) throw invalidArgument("ProcessingConfiguration is not supported by Freshet yet.");
  if (input.DataFormatConversionConfiguration?.Enabled === true) {
    throw invalidArgument("DataFormatConversionConfiguration is not supported by Freshet yet.");
  }
  if (input.DynamicPartitioningConfiguration?.Enabled === true) {
    throw invalidArgument("DynamicPartitioningConfiguration is not supported by Freshet yet.");
  }
  if (input.S3BackupMode === "Enabled" || input.S3BackupConfiguration !== undefined || input.S3BackupUpdate !== undefined) {
    throw invalidArgument("S3BackupMode Enabled (an S3 backup destination) is not supported by Freshet yet.");
  }
  if (input.CustomTimeZone !== undefined && input.CustomTimeZone !== "" && input.CustomTimeZone !== "UTC") {
    throw invalidArgument(`CustomTimeZone ${input.CustomTimeZone} is not supported by Freshet yet; only UTC is.`);
  }
  if (bucketOf(input.BucketARN) === "." || bucketOf(input.BucketARN) === "..") {
    throw invalidArgument(`BucketARN ${input.BucketARN} does not name a bucket.`);
  }
  const compression = input.CompressionFormat ?? "UNCOMPRESSED";
  if (!(supportedCompressionFormats as readonly string[]).includes(compression)) {
    throw invalidArgument(`CompressionFormat ${compression} is not supported by Freshet yet; UNCOMPRESSED and GZIP are.`);
  }
  if (input.EncryptionConfiguration?.KMSEncryptionConfig !== undefined) {
    throw invalidArgument("EncryptionConfiguration.KMSEncryptionConfig is not supported by Freshet yet.");
  }
  const prefix = emptyAsNull(input.Prefix);
  const errorOutputPrefix = emptyAsNull(input.ErrorOutputPrefix);
  if (prefix !== null) checkPrefix("Prefix", prefix);
  if (errorOutputPrefix !== null) checkPrefix("ErrorOutputPrefix", errorOutputPrefix);
  if (prefix !== null && hasExpressions(prefix) && errorOutputPrefix === null) {
    throw invalidArgument("ErrorOutputPrefix cannot be null or empty when Prefix contains expressions.");
  }
  const logging = input.CloudWatchLoggingOptions;
  return {
    extended,
    roleArn: input.RoleARN,
    bucketArn: input.BucketARN,
    prefix,
    errorOutputPrefix,
    sizeInMBs: input.BufferingHints?.SizeInMBs ?? firehoseLimits.defaultBufferSizeMiB,
    intervalInSeconds: input.BufferingHints?.IntervalInSeconds ?? firehoseLimits.defaultBufferIntervalSeconds,
    compressionFormat: compression as CompressionFormat,
    cloudWatchLoggingOptions: logging === undefined ? null : { ...logging },
    fileExtension: extended ? emptyAsNull(input.FileExtension) : null,
  };
}

/** The stream's destination as the members of a configuration (what DescribeDeliveryStream shows). */
export function configurationOf(destination: S3DestinationRecord): S3Settings {
  return {
    RoleARN: destination.roleArn,
    BucketARN: destination.bucketArn,
    ...(destination.prefix === null ? {} : { Prefix: destination.prefix }),
    ...(destination.errorOutputPrefix === null ? {} : { ErrorOutputPrefix: destination.errorOutputPrefix }),
    BufferingHints: { SizeInMBs: destination.sizeInMBs, IntervalInSeconds: destination.intervalInSeconds },
    CompressionFormat: destination.compressionFormat,
    ...(destination.fileExtension === null ? {} : { FileExtension: destination.fileExtension }),
    ...(destination.cloudWatchLoggingOptions === null ? {} : { CloudWatchLoggingOptions: destination.cloudWatchLoggingOptions }),
  };
}

/** UpdateDestination of an S3 destination: the given members over the current ones (BufferingHints member-wise). */
export function mergeUpdate(current: S3DestinationRecord, update: S3Settings, extended: boolean): S3DestinationRecord {
  const base = configurationOf(current);
  const merged: S3Settings = {
    ...base,
    ...update,
    BufferingHints: { ...base.BufferingHints, ...update.BufferingHints },
  };
  return destinationFrom(merged, current.extended || extended);
}

function emptyAsNull(value: string | undefined): string | null {
  return value === undefined || value === "" ? null : value;
}
