/**
 * What flows through a Firehose stream's delivery, stage by stage:
 *
 *   log → DeliveryRecord → processors → DeliveryRecord (partitioned, buffered) → encoded object → destination
 *
 * and, off to the side, FailedRecords that end up under the destination's error output prefix (or the HTTP
 * endpoint's S3 backup), in the JSON-lines format AWS writes for each failure kind.
 */

/** Where a record came from when the stream reads a Kinesis data stream (KinesisStreamAsSource). */
export interface KinesisRecordMetadata {
  readonly shardId: string;
  readonly partitionKey: string;
  readonly sequenceNumber: string;
  /** Set for user records taken out of a KPL aggregate (de-aggregated for Kinesis sources). */
  readonly subsequenceNumber?: number;
  readonly approximateArrivalTimestamp: number;
}

/** Dynamic partitioning keys, kept apart by where they came from, as the prefix names them. */
export interface PartitionKeys {
  /** From MetadataExtraction's jq query: `!{partitionKeyFromQuery:key}`. */
  readonly query?: Readonly<Record<string, string>>;
  /** From a Lambda's `metadata.partitionKeys`: `!{partitionKeyFromLambda:key}`. */
  readonly lambda?: Readonly<Record<string, string>>;
}

/** A record on its way from the stream's log to the destination, through the processors. */
export interface DeliveryRecord {
  /** Offset in the stream's log: the checkpoint passes it once every record made from it is delivered or failed. */
  readonly offset: number;
  /** When it arrived (ms since the epoch; a Kinesis source's ApproximateArrivalTimestamp): object keys use it. */
  readonly arrivedAt: number;
  readonly data: Buffer;
  /** The keys MetadataExtraction or a Lambda returned, for `!{partitionKeyFrom…:key}`; null without dynamic partitioning. */
  readonly partitionKeys: PartitionKeys | null;
  readonly kinesis?: KinesisRecordMetadata;
}

/** `!{firehose:error-output-type}`: the failure kinds Firehose writes to the error output prefix. */
export type ErrorOutputType = "processing-failed" | "format-conversion-failed" | "http-endpoint-failed" | "partitioning-failed";

/**
 * A record that could not be delivered as it should: written to the error output in AWS's failure record format
 * (`attemptsMade`, `arrivalTimestamp`, `errorCode`, `errorMessage`, `attemptEndingTimestamp`, `rawData`, and the
 * fields particular to the kind, in `details`).
 */
export interface FailedRecord {
  readonly type: ErrorOutputType;
  readonly offset: number;
  readonly arrivedAt: number;
  /** The record as the failing stage got it (before a Lambda, as converted, as sent): base64'd into `rawData`. */
  readonly rawData: Buffer;
  readonly errorCode: string;
  readonly errorMessage: string;
  readonly attemptsMade: number;
  readonly attemptEndingTimestamp: number;
  /** Kind-specific fields of AWS's failure record (e.g. `lambdaArn`, `EndpointUrl`, `sequenceNumber`), in order. */
  readonly details?: Readonly<Record<string, unknown>>;
}

/** What a processing stage made of a batch: records to deliver, and failures. Dropped records are in neither. */
export interface ProcessingOutcome {
  readonly delivered: DeliveryRecord[];
  readonly failed: FailedRecord[];
}

/**
 * A processing stage (a ProcessingConfiguration processor), applied to records in arrival order. `stop` aborts
 * when a stopping server has waited long enough: a stage that waits on something (a Lambda) then gives up by throwing.
 */
export type Processor = (records: readonly DeliveryRecord[], stop?: AbortSignal) => Promise<ProcessingOutcome>;

/** A record failing at `now` on its first attempt (what processing and partitioning failures are). */
export function failedOnce(type: ErrorOutputType, record: DeliveryRecord, errorCode: string, errorMessage: string, now: number): FailedRecord {
  return { type, offset: record.offset, arrivedAt: record.arrivedAt, rawData: record.data, errorCode, errorMessage, attemptsMade: 1, attemptEndingTimestamp: now };
}
