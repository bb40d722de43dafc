/**
 * How one Firehose stream's definition turns buffered records into deliveries: which processors run, which
 * partition a record is buffered in, how a buffer becomes an object (format conversion, compression, key) or an
 * HTTP request, and where failures are written. The DeliveryLoop decides *when*; the plan decides *what*. A plan
 * is built from the stream's definition and rebuilt when UpdateDestination changes it.
 */
import { randomUUID } from "node:crypto";
import type { GlueTable } from "../config/config.js";
import { firehoseLimits } from "../config/limits.js";
import type { Clock } from "../util/clock.js";
import { compressObject, contentEncodingOf, objectSuffix } from "./compression.js";
import { errorOutputBody, groupByType } from "./error-output.js";
import { glueTableFor, parquetObjectSuffix } from "./formats/parquet.js";
import { convertToParquetOffThread } from "./formats/parquet-thread.js";
import { deliverToHttpEndpoint } from "./http-endpoint.js";
import type { ObjectWriter } from "./local-objects.js";
import { bucketOf, deliveryStreamArn, type DeliveryStreamRecord, type HttpEndpointDestinationRecord, type S3DestinationRecord } from "./model.js";
import { errorObjectKey, objectKey, partitionKeysOf, partitionKeyValue } from "./object-keys.js";
import { type DeliveryRecord, type FailedRecord, failedOnce, type ProcessingOutcome } from "./pipeline.js";
import { buildProcessors, runProcessors } from "./processing/index.js";

const MiB = 1024 * 1024;

/** Where buffered records go, with the BufferingHints (in bytes and milliseconds) that decide when. */
export interface BufferedDestination {
  readonly sizeBytes: number;
  readonly intervalMs: number;
  /**
   * Delivers one buffer; throws when it must be retried (the checkpoint must not pass it). `stop` aborts when a
   * graceful stop has waited long enough: it ends retries and abandons writes in flight.
   */
  deliver(records: readonly DeliveryRecord[], stop: AbortSignal): Promise<void>;
}

export interface DeliveryPlan extends BufferedDestination {
  /** ExtendedS3 `S3BackupMode: Enabled`: the records as read, before processing, to the backup bucket. */
  readonly sourceBackup: BufferedDestination | null;
  /** Buffers (partitions) that may be open at once; a record for one more goes to the error output. */
  readonly maxPartitions: number;
  process(records: readonly DeliveryRecord[], stop: AbortSignal): Promise<ProcessingOutcome>;
  /** The buffer a record belongs in ("" without dynamic partitioning), or why it cannot be partitioned. */
  partitionOf(record: DeliveryRecord): string | FailedRecord;
  /** The failure of a record whose partition would exceed `maxPartitions`. */
  partitionLimitExceeded(record: DeliveryRecord): FailedRecord;
  /** Writes failed records to the error output; throws when it must be retried. `stop` may abandon the write. */
  writeFailures(failed: readonly FailedRecord[], stop: AbortSignal): Promise<void>;
}

/** A buffer as the object to write (null when conversion left no row), and how to name and label it. */
interface EncodedObject {
  readonly body: Buffer | null;
  readonly suffix: string;
  readonly contentEncoding: string | null;
}

export interface PlanContext {
  readonly writer: ObjectWriter;
  readonly clock: Clock;
  /** `firehose.lambdaFunctions` and `firehose.glueTables` of the server's settings. */
  readonly lambdaFunctions: Readonly<Record<string, string>>;
  readonly glueTables: readonly GlueTable[];
  /** How long an HTTP endpoint has to answer one attempt (tests shorten it). */
  readonly httpAttemptTimeoutMs?: number;
}

export function buildPlan(stream: DeliveryStreamRecord, context: PlanContext): DeliveryPlan {
  const destination = stream.destination;
  const processors = buildProcessors(destination.processing, {
    deliveryStreamArn: deliveryStreamArn(stream.region, stream.name),
    region: stream.region,
    lambdaFunctions: context.lambdaFunctions,
    ...(stream.source === undefined ? {} : { sourceKinesisStreamArn: stream.source.kinesisStreamArn }),
    clock: context.clock,
  });
  const process = async (records: readonly DeliveryRecord[], stop: AbortSignal): Promise<ProcessingOutcome> =>
    processors.length === 0 ? { delivered: [...records], failed: [] } : runProcessors(processors, records, stop);
  return destination.kind === "S3" ? s3Plan(stream, destination, process, context) : httpEndpointPlan(stream, destination, process, context);
}

function s3Plan(
  stream: DeliveryStreamRecord,
  destination: S3DestinationRecord,
  process: DeliveryPlan["process"],
  context: PlanContext,
): DeliveryPlan {
  const writeFailures = errorOutputWriter(stream, destination, context);
  const partitionKeys = destination.dynamicPartitioning?.enabled === true ? partitionKeysOf(destination.prefix ?? "") : [];
  const conversion = destination.dataFormatConversion;
  const failure = (record: DeliveryRecord, errorCode: string, errorMessage: string): FailedRecord =>
    failedOnce("partitioning-failed", record, errorCode, errorMessage, context.clock.now());

  const encode = async (records: readonly DeliveryRecord[], stop: AbortSignal): Promise<EncodedObject> => {
    if (conversion === null) {
      const format = destination.compressionFormat;
      const body = await compressObject(format, Buffer.concat(records.map((record) => record.data)));
      return { body, suffix: destination.fileExtension ?? objectSuffix(format), contentEncoding: contentEncodingOf(format) };
    }
    const table = glueTableFor(conversion, context.glueTables);
    if (table === undefined) {
      throw new Error(`Glue table ${conversion.schema.databaseName}.${conversion.schema.tableName} is no longer declared under firehose.glueTables`);
    }
    const converted = await convertToParquetOffThread(records, conversion, table, context.clock.now());
    if (converted.failed.length > 0) await writeFailures(converted.failed, stop);
    return { body: converted.body, suffix: destination.fileExtension ?? parquetObjectSuffix, contentEncoding: null };
  };

  return {
    sizeBytes: destination.sizeInMBs * MiB,
    intervalMs: destination.intervalInSeconds * 1000,
    sourceBackup: destination.sourceBackup === null ? null : rawObjects(stream, destination.sourceBackup, context),
    maxPartitions: partitionKeys.length === 0 ? 1 : firehoseLimits.activePartitionsPerStream,
    process,
    partitionOf: (record) => {
      if (partitionKeys.length === 0) return "";
      const values: string[] = [];
      for (const key of partitionKeys) {
        const value = partitionKeyValue(record.partitionKeys, key);
        if (value === undefined) {
          const namespace = key.from === "query" ? "partitionKeyFromQuery" : "partitionKeyFromLambda";
          return failure(record, "DynamicPartitioning.PartitionKeyMissing", `The prefix needs !{${namespace}:${key.name}}, which the record's partition keys do not have.`);
        }
        values.push(value);
      }
      return JSON.stringify(values);
    },
    partitionLimitExceeded: (record) =>
      failure(
        record,
        "DynamicPartitioning.ActivePartitionsLimitExceeded",
        `The number of active partitions exceeds the limit of ${firehoseLimits.activePartitionsPerStream}.`,
      ),
    deliver: async (records, stop) => {
      const { body, suffix, contentEncoding } = await encode(records, stop);
      if (body === null) return;
      const first = records[0]!;
      const key = objectKey(stream, destination.prefix, first.arrivedAt, randomUUID(), {
        partitionKeys: first.partitionKeys,
        suffix,
        timeZone: destination.customTimeZone,
      });
      await context.writer.put(bucketOf(destination.bucketArn), key, body, { contentEncoding, signal: stop });
    },
    writeFailures,
  };
}

function httpEndpointPlan(
  stream: DeliveryStreamRecord,
  destination: HttpEndpointDestinationRecord,
  process: DeliveryPlan["process"],
  context: PlanContext,
): DeliveryPlan {
  const backup = destination.s3Backup;
  const writeFailures = errorOutputWriter(stream, backup, context);
  const allData = rawObjects(stream, backup, context);
  return {
    sizeBytes: destination.sizeInMBs * MiB,
    intervalMs: destination.intervalInSeconds * 1000,
    sourceBackup: null,
    maxPartitions: 1,
    process,
    partitionOf: () => "",
    partitionLimitExceeded: (record) => {
      throw new Error(`an HTTP endpoint destination has one buffer; the record at offset ${record.offset} has no other`);
    },
    deliver: async (records, stop) => {
      if (destination.s3BackupMode === "AllData") await allData.deliver(records, stop);
      const result = await deliverToHttpEndpoint(records, destination, {
        deliveryStreamArn: deliveryStreamArn(stream.region, stream.name),
        clock: context.clock,
        signal: stop,
        ...(context.httpAttemptTimeoutMs === undefined ? {} : { attemptTimeoutMs: context.httpAttemptTimeoutMs }),
      });
      if (result.outcome === "interrupted") throw new Error("delivery to the HTTP endpoint was interrupted by the server stopping");
      if (result.outcome === "failed") await writeFailures(result.failed, stop);
    },
    writeFailures,
  };
}

/** Records written as they are (concatenated, compressed) to a backup S3 destination, by its own BufferingHints. */
function rawObjects(stream: DeliveryStreamRecord, s3: S3DestinationRecord, context: PlanContext): BufferedDestination {
  const format = s3.compressionFormat;
  return {
    sizeBytes: s3.sizeInMBs * MiB,
    intervalMs: s3.intervalInSeconds * 1000,
    deliver: async (records, stop) => {
      const body = await compressObject(format, Buffer.concat(records.map((record) => record.data)));
      const key = objectKey(stream, s3.prefix, records[0]!.arrivedAt, randomUUID(), { suffix: objectSuffix(format), timeZone: s3.customTimeZone });
      await context.writer.put(bucketOf(s3.bucketArn), key, body, { contentEncoding: contentEncodingOf(format), signal: stop });
    },
  };
}

/** Writes failures under an S3 destination's error output prefix: one object per failure kind. */
function errorOutputWriter(stream: DeliveryStreamRecord, s3: S3DestinationRecord, context: PlanContext): DeliveryPlan["writeFailures"] {
  return async (failed, stop) => {
    for (const [type, records] of groupByType(failed)) {
      const key = errorObjectKey(stream, s3, type, records[0]!.arrivedAt, randomUUID());
      await context.writer.put(bucketOf(s3.bucketArn), key, errorOutputBody(records), { signal: stop });
    }
  };
}
