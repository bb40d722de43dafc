/**
 * S3 destination settings between the wire and the domain: a CreateDeliveryStream configuration becomes an
 * S3DestinationRecord, checked as Firehose checks it; an UpdateDestination update is merged over the stream's
 * current configuration (members left out are kept, as AWS merges updates of the same destination type; a
 * ProcessingConfiguration given replaces the old one whole) and then checked the same way.
 */
import type { GlueTable } from "../../config/config.js";
import { firehoseLimits } from "../../config/limits.js";
import { checkCompressionFormat, type S3CompressionFormat } from "../../delivery/compression.js";
import { invalidArgument } from "../../delivery/errors.js";
import { bucketOf, type S3DestinationRecord } from "../../delivery/model.js";
import { checkPrefix, checkTimeZone, hasExpressions } from "../../delivery/object-keys.js";
import type { ValueOf } from "../aws/action.js";
import { checkConversionBuffering, formatConversionConfigurationOf, formatConversionFrom } from "./format-conversion.js";
import type { extendedS3DestinationUpdate, s3DestinationConfiguration } from "./members.js";
import { dynamicPartitioningConfigurationOf, dynamicPartitioningFrom, processingConfigurationOf, processingFrom } from "./processing-configuration.js";

/** Any of the four S3 shapes (configuration or update, plain or extended), as the shape interpreter gives them. */
type S3Settings = ValueOf<typeof extendedS3DestinationUpdate> & { S3BackupConfiguration?: ValueOf<typeof s3DestinationConfiguration> };

/** What checking an ExtendedS3 configuration needs from the server: its Lambda URLs and Glue tables, the region. */
export interface DestinationContext {
  readonly region: string;
  readonly lambdaFunctions: Readonly<Record<string, string>>;
  readonly glueTables: readonly GlueTable[];
}

/** SizeInMBs when none is given to a stream that converts records or partitions them (AWS's console default). */
const largeBufferDefaultMiB = 128;
/** Dynamic partitioning needs a buffer of at least this many MiB, and a non-zero interval. */
const dynamicPartitioningMinBufferMiB = 64;

/** An S3 configuration as a record; `context` is given for ExtendedS3 (plain S3 and HTTP backups have no extras). */
export function destinationFrom(input: S3Settings, extended: boolean, context?: DestinationContext): S3DestinationRecord {
  if (input.RoleARN === undefined || input.BucketARN === undefined) {
    throw invalidArgument("RoleARN and BucketARN are required for an S3 destination.");
  }
  let sourceBackup: S3DestinationRecord | null = null;
  if (input.S3BackupMode === "Enabled") {
    if (input.S3BackupConfiguration === undefined) throw invalidArgument("S3BackupConfiguration is required when S3BackupMode is Enabled.");
    sourceBackup = destinationFrom(input.S3BackupConfiguration, false);
  }
  const customTimeZone = extended ? emptyAsNull(input.CustomTimeZone) : null;
  if (customTimeZone !== null) checkTimeZone(customTimeZone);
  if (bucketOf(input.BucketARN) === "." || bucketOf(input.BucketARN) === "..") {
    throw invalidArgument(`BucketARN ${input.BucketARN} does not name a bucket.`);
  }
  if (input.EncryptionConfiguration?.KMSEncryptionConfig !== undefined) {
    throw invalidArgument("EncryptionConfiguration.KMSEncryptionConfig is not supported by Freshet yet.");
  }
  const dynamicPartitioning = context === undefined ? null : dynamicPartitioningFrom(input.DynamicPartitioningConfiguration);
  const partitioned = dynamicPartitioning?.enabled === true;
  const processing =
    context === undefined
      ? null
      : processingFrom(input.ProcessingConfiguration, {
          lambdaFunctions: context.lambdaFunctions,
          dynamicPartitioningEnabled: partitioned,
          roleArn: input.RoleARN,
        });
  const dataFormatConversion = context === undefined ? null : formatConversionFrom(input.DataFormatConversionConfiguration, context.glueTables, context.region);
  const compression = (input.CompressionFormat ?? "UNCOMPRESSED") as S3CompressionFormat;
  checkCompressionFormat(compression, "S3", dataFormatConversion !== null);
  const largeBuffer = partitioned || dataFormatConversion !== null;
  const sizeInMBs = input.BufferingHints?.SizeInMBs ?? (largeBuffer ? largeBufferDefaultMiB : firehoseLimits.defaultBufferSizeMiB);
  const intervalInSeconds = input.BufferingHints?.IntervalInSeconds ?? firehoseLimits.defaultBufferIntervalSeconds;
  if (dataFormatConversion !== null) checkConversionBuffering(sizeInMBs);
  if (partitioned && (sizeInMBs < dynamicPartitioningMinBufferMiB || intervalInSeconds === 0)) {
    throw invalidArgument(
      `BufferingHints.SizeInMBs must be at least ${dynamicPartitioningMinBufferMiB} and IntervalInSeconds more than 0 when dynamic partitioning is enabled.`,
    );
  }
  const prefix = emptyAsNull(input.Prefix);
  const errorOutputPrefix = emptyAsNull(input.ErrorOutputPrefix);
  if (prefix !== null) checkPrefix("Prefix", prefix, { dynamicPartitioning: partitioned });
  else if (partitioned) checkPrefix("Prefix", "", { dynamicPartitioning: true });
  if (errorOutputPrefix !== null) checkPrefix("ErrorOutputPrefix", errorOutputPrefix);
  if ((partitioned || (prefix !== null && hasExpressions(prefix))) && errorOutputPrefix === null) {
    throw invalidArgument(
      partitioned
        ? "ErrorOutputPrefix cannot be null or empty when dynamic partitioning is enabled."
        : "ErrorOutputPrefix cannot be null or empty when Prefix contains expressions.",
    );
  }
  const logging = input.CloudWatchLoggingOptions;
  return {
    kind: "S3",
    extended,
    roleArn: input.RoleARN,
    bucketArn: input.BucketARN,
    prefix,
    errorOutputPrefix,
    sizeInMBs,
    intervalInSeconds,
    compressionFormat: compression,
    cloudWatchLoggingOptions: logging === undefined ? null : { ...logging },
    fileExtension: extended ? emptyAsNull(input.FileExtension) : null,
    customTimeZone,
    processing,
    dataFormatConversion,
    dynamicPartitioning,
    sourceBackup,
  };
}

/** The stream's destination as the members of a plain S3 configuration (what every description shows). */
export function configurationOf(destination: S3DestinationRecord): S3Settings {
  return {
    RoleARN: destination.roleArn,
    BucketARN: destination.bucketArn,
    ...(destination.prefix === null ? {} : { Prefix: destination.prefix }),
    ...(destination.errorOutputPrefix === null ? {} : { ErrorOutputPrefix: destination.errorOutputPrefix }),
    BufferingHints: { SizeInMBs: destination.sizeInMBs, IntervalInSeconds: destination.intervalInSeconds },
    CompressionFormat: destination.compressionFormat,
  };
}

/** S3DestinationDescription: the configuration, with the encryption and logging members AWS always shows. */
export function s3DescriptionOf(destination: S3DestinationRecord): Record<string, unknown> {
  return {
    ...configurationOf(destination),
    EncryptionConfiguration: { NoEncryptionConfig: "NoEncryption" },
    CloudWatchLoggingOptions: destination.cloudWatchLoggingOptions ?? { Enabled: false },
  };
}

/** The members only an ExtendedS3 configuration has, as given (what ExtendedS3DestinationDescription adds). */
export function extendedConfigurationOf(destination: S3DestinationRecord): S3Settings {
  return {
    ...(destination.fileExtension === null ? {} : { FileExtension: destination.fileExtension }),
    ...(destination.customTimeZone === null ? {} : { CustomTimeZone: destination.customTimeZone }),
    ...(destination.processing === null ? {} : { ProcessingConfiguration: processingConfigurationOf(destination.processing) }),
    ...(destination.dataFormatConversion === null
      ? {}
      : { DataFormatConversionConfiguration: formatConversionConfigurationOf(destination.dataFormatConversion) }),
    ...(destination.dynamicPartitioning === null
      ? {}
      : { DynamicPartitioningConfiguration: dynamicPartitioningConfigurationOf(destination.dynamicPartitioning) }),
  } as S3Settings;
}

/**
 * UpdateDestination of an S3 destination: the given members over the current ones (BufferingHints member-wise,
 * `S3BackupUpdate` over the source backup's configuration). A source backup, once enabled, stays (AWS's rule).
 */
export function mergeUpdate(current: S3DestinationRecord, update: S3Settings, extended: boolean, context?: DestinationContext): S3DestinationRecord {
  const base = { ...configurationOf(current), ...extendedConfigurationOf(current), CloudWatchLoggingOptions: current.cloudWatchLoggingOptions ?? undefined };
  const { S3BackupUpdate: backupUpdate, ...given } = update;
  if (current.sourceBackup !== null && given.S3BackupMode === "Disabled") {
    throw invalidArgument("S3BackupMode cannot be changed from Enabled to Disabled.");
  }
  const backupBase = current.sourceBackup === null ? {} : configurationOf(current.sourceBackup);
  const backup = backupUpdate === undefined ? backupBase : { ...backupBase, ...backupUpdate, BufferingHints: { ...backupBase.BufferingHints, ...backupUpdate.BufferingHints } };
  const merged = {
    ...base,
    ...given,
    ...(current.sourceBackup === null ? {} : { S3BackupMode: "Enabled" }),
    ...(current.sourceBackup === null && backupUpdate === undefined ? {} : { S3BackupConfiguration: backup }),
    BufferingHints: { ...base.BufferingHints, ...given.BufferingHints },
  } as S3Settings;
  const wasPartitioned = current.dynamicPartitioning?.enabled === true;
  if (!wasPartitioned && merged.DynamicPartitioningConfiguration?.Enabled === true) {
    throw invalidArgument("Dynamic partitioning can only be enabled when the Firehose stream is created.");
  }
  return destinationFrom(merged, current.extended || extended, current.extended || extended ? context : undefined);
}

function emptyAsNull(value: string | undefined): string | null {
  return value === undefined || value === "" ? null : value;
}
