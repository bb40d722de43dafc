/**
 * How one Firehose stream's definition turns buffered records into deliveries: which processors run, which
 * partition a record is buffered in, how a buffer becomes an object (format conversion, compression, key) or an
 * HTTP request, and where failures are written. The DeliveryLoop decides *when*; the plan decides *what*. A plan
 * is built from the stream's definition and rebuilt when UpdateDestination changes it.
 */
import { randomUUID } from "node:crypto";
import { promisify } from "node:util";
import { gzip } from "node:zlib";
import type { ObjectWriter } from "./local-objects.js";
import { bucketOf, type DeliveryStreamRecord, type S3DestinationRecord } from "./model.js";
import { errorObjectKey, objectKey } from "./object-keys.js";
import { errorOutputBody, groupByType } from "./error-output.js";
import type { DeliveryRecord, FailedRecord, ProcessingOutcome } from "./pipeline.js";
import type { Clock } from "../util/clock.js";

const gzipAsync = promisify(gzip);
const MiB = 1024 * 1024;

export interface DeliveryPlan {
  /** BufferingHints of the destination, in bytes and milliseconds. */
  readonly sizeBytes: number;
  readonly intervalMs: number;
  /** Buffers (partitions) that may be open at once; a record for one more goes to the error output. */
  readonly maxPartitions: number;
  process(records: readonly DeliveryRecord[]): Promise<ProcessingOutcome>;
  /** The buffer a record belongs in ("" without dynamic partitioning), or why it cannot be partitioned. */
  partitionOf(record: DeliveryRecord): string | FailedRecord;
  /** The failure of a record whose partition would exceed `maxPartitions`. */
  partitionLimitExceeded(record: DeliveryRecord): FailedRecord;
  /** Delivers one buffer; throws when it must be retried (nothing was acknowledged). */
  deliver(records: readonly DeliveryRecord[]): Promise<void>;
  /** Writes failed records to the error output; throws when it must be retried. */
  writeFailures(failed: readonly FailedRecord[]): Promise<void>;
}

export interface PlanContext {
  readonly writer: ObjectWriter;
  readonly clock: Clock;
}

export function buildPlan(stream: DeliveryStreamRecord, context: PlanContext): DeliveryPlan {
  const destination = stream.destination;
  const failures = errorOutputWriter(stream, destination, context);
  return {
    sizeBytes: destination.sizeInMBs * MiB,
    intervalMs: destination.intervalInSeconds * 1000,
    maxPartitions: 1,
    process: async (records) => ({ delivered: [...records], failed: [] }),
    partitionOf: () => "",
    partitionLimitExceeded: (record) => {
      throw new Error(`no partition for the record at offset ${record.offset}`);
    },
    deliver: async (records) => {
      const data = Buffer.concat(records.map((record) => record.data));
      const body = destination.compressionFormat === "GZIP" ? await gzipAsync(data) : data;
      const suffix = destination.fileExtension ? destination.fileExtension : destination.compressionFormat === "GZIP" ? ".gz" : "";
      const key = objectKey(stream, destination.prefix, records[0]!.arrivedAt, randomUUID(), { suffix });
      await context.writer.put(bucketOf(destination.bucketArn), key, body);
    },
    writeFailures: failures,
  };
}

/** Writes failures under the S3 destination's error output prefix: one object per failure kind. */
function errorOutputWriter(stream: DeliveryStreamRecord, s3: S3DestinationRecord, context: PlanContext): DeliveryPlan["writeFailures"] {
  return async (failed) => {
    for (const [type, records] of groupByType(failed)) {
      const key = errorObjectKey(stream, s3, type, records[0]!.arrivedAt, randomUUID());
      await context.writer.put(bucketOf(s3.bucketArn), key, errorOutputBody(records));
    }
  };
}
