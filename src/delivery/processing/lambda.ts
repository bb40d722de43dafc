/**
 * The Lambda processor: records are sent, in batches of at most BufferSizeInMBs of data, as the Firehose data
 * transformation event to the function, here an HTTP URL configured for the function's ARN
 * (`firehose.lambdaFunctions`), and replaced by what it returns:
 *
 *   event  {invocationId, deliveryStreamArn, region, [sourceKinesisStreamArn], records: [{recordId,
 *          approximateArrivalTimestamp, data, [kinesisRecordMetadata]}]}
 *   reply  {records: [{recordId, result: Ok | Dropped | ProcessingFailed, data, metadata?: {partitionKeys}}]}
 *
 * An invocation that fails (no answer, a non-2xx status, a timeout) is retried NumberOfRetries times; after that,
 * and at once for a reply that breaks the status model (not JSON, a record id missing or returned twice), every
 * record of the batch becomes a `processing-failed` record with AWS's error code and message. A record the function
 * says ProcessingFailed fails alone.
 */
import { randomUUID } from "node:crypto";
import { firehoseProcessingLimits } from "../../config/limits.js";
import type { Clock } from "../../util/clock.js";
import type { DeliveryRecord, FailedRecord, ProcessingOutcome } from "../pipeline.js";

export interface LambdaProcessorOptions {
  readonly lambdaArn: string;
  readonly url: string;
  readonly numberOfRetries: number;
  readonly bufferSizeInMBs: number;
  readonly deliveryStreamArn: string;
  readonly region: string;
  readonly sourceKinesisStreamArn?: string;
  readonly clock: Clock;
}

/** Why an invocation did not give a usable answer, in AWS's terms; `retryable` failures are tried again. */
interface InvocationFailure {
  readonly errorCode: string;
  readonly errorMessage: string;
  readonly retryable: boolean;
}

/** AWS's error codes and messages for Lambda invocations (Firehose developer guide, "Lambda invocation errors"). */
const failures = {
  functionError: {
    errorCode: "Lambda.FunctionError",
    errorMessage: "The Lambda function was successfully invoked but it returned an error result.",
    retryable: true,
  },
  timedOut: {
    errorCode: "Lambda.FunctionTimedOut",
    errorMessage: "Firehose encountered timeout errors when calling AWS Lambda. The maximum supported function timeout is 5 minutes.",
    retryable: true,
  },
  jsonProcessing: {
    errorCode: "Lambda.JsonProcessingException",
    errorMessage:
      "There was an error parsing returned records from the Lambda function. Ensure that the returned records follow the status model required by Firehose.",
    retryable: false,
  },
  duplicatedRecordId: {
    errorCode: "Lambda.DuplicatedRecordId",
    errorMessage: "Multiple records were returned with the same record ID. Ensure that the Lambda function returns unique record IDs for each record.",
    retryable: false,
  },
  missingRecordId: {
    errorCode: "Lambda.MissingRecordId",
    errorMessage: "One or more record Ids were not returned. Ensure that the Lambda function returns all received record Ids.",
    retryable: false,
  },
} as const satisfies Record<string, InvocationFailure>;

/** Freshet's own: the function's URL could not be reached at all (AWS has no such case). */
function unreachable(url: string, cause: unknown): InvocationFailure {
  const reason = cause instanceof Error ? ((cause.cause as Error | undefined)?.message ?? cause.message) : String(cause);
  return { errorCode: "Lambda.ServiceUnavailable", errorMessage: `The Lambda function at ${url} could not be reached: ${reason}`, retryable: true };
}

const processingFailedStatus = { errorCode: "Lambda.ProcessingFailedStatus", errorMessage: "ProcessingFailed status set for record" };

type ResultStatus = "Ok" | "Dropped" | "ProcessingFailed";

interface ReturnedRecord {
  readonly result: ResultStatus;
  readonly data: Buffer | null;
  readonly partitionKeys: Record<string, string> | null;
}

export function lambdaProcessor(options: LambdaProcessorOptions): (records: readonly DeliveryRecord[]) => Promise<ProcessingOutcome> {
  return async (records) => {
    const delivered: DeliveryRecord[] = [];
    const failed: FailedRecord[] = [];
    for (const batch of batches(records, options.bufferSizeInMBs)) {
      const outcome = await invokeWithRetries(batch, options);
      delivered.push(...outcome.delivered);
      failed.push(...outcome.failed);
    }
    return { delivered, failed };
  };
}

/** Consecutive runs of records holding at most `bufferSizeInMBs` of data (a larger record goes alone). */
function batches(records: readonly DeliveryRecord[], bufferSizeInMBs: number): DeliveryRecord[][] {
  const limit = bufferSizeInMBs * 1024 * 1024;
  const result: DeliveryRecord[][] = [];
  let current: DeliveryRecord[] = [];
  let bytes = 0;
  for (const record of records) {
    if (current.length > 0 && bytes + record.data.length > limit) {
      result.push(current);
      current = [];
      bytes = 0;
    }
    current.push(record);
    bytes += record.data.length;
  }
  if (current.length > 0) result.push(current);
  return result;
}

async function invokeWithRetries(batch: readonly DeliveryRecord[], options: LambdaProcessorOptions): Promise<ProcessingOutcome> {
  // Record ids are stable across retries; each attempt is a new invocation.
  const recordIds = batch.map((record, i) => `${String(record.offset).padStart(20, "0")}${String(i).padStart(6, "0")}`);
  let attemptsMade = 0;
  for (;;) {
    attemptsMade++;
    const answer = await invoke(batch, recordIds, options);
    if ("records" in answer) return outcomeOf(batch, recordIds, answer.records, attemptsMade, options);
    if (!answer.retryable || attemptsMade > options.numberOfRetries) {
      return { delivered: [], failed: batch.map((record) => failure(record, answer, attemptsMade, options)) };
    }
  }
}

async function invoke(
  batch: readonly DeliveryRecord[],
  recordIds: readonly string[],
  options: LambdaProcessorOptions,
): Promise<{ records: Map<string, ReturnedRecord> } | InvocationFailure> {
  const event = {
    invocationId: randomUUID(),
    deliveryStreamArn: options.deliveryStreamArn,
    ...(options.sourceKinesisStreamArn === undefined ? {} : { sourceKinesisStreamArn: options.sourceKinesisStreamArn }),
    region: options.region,
    records: batch.map((record, i) => ({
      recordId: recordIds[i],
      approximateArrivalTimestamp: record.arrivedAt,
      data: record.data.toString("base64"),
      ...(record.kinesis === undefined
        ? {}
        : {
            kinesisRecordMetadata: {
              shardId: record.kinesis.shardId,
              partitionKey: record.kinesis.partitionKey,
              approximateArrivalTimestamp: record.kinesis.approximateArrivalTimestamp,
              sequenceNumber: record.kinesis.sequenceNumber,
              subsequenceNumber: record.kinesis.subsequenceNumber ?? 0,
            },
          }),
    })),
  };
  let body: string;
  try {
    const response = await fetch(options.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(event),
      signal: AbortSignal.timeout(firehoseProcessingLimits.lambdaInvocationTimeoutMs),
    });
    body = await response.text();
    // A Lambda Invoke API endpoint answers 200 with this header when the function threw.
    if (!response.ok || response.headers.has("x-amz-function-error")) return failures.functionError;
  } catch (error) {
    if (error instanceof DOMException && error.name === "TimeoutError") return failures.timedOut;
    return unreachable(options.url, error);
  }
  if (Buffer.byteLength(body) > firehoseProcessingLimits.lambdaPayloadMaxBytes) return failures.functionError;
  return parseReply(body, new Set(recordIds));
}

/** The reply, checked against the status model: every record id sent back exactly once, nothing else. */
function parseReply(body: string, sent: ReadonlySet<string>): { records: Map<string, ReturnedRecord> } | InvocationFailure {
  let reply: unknown;
  try {
    reply = JSON.parse(body);
  } catch {
    return failures.jsonProcessing;
  }
  const entries = isObject(reply) ? reply["records"] : undefined;
  if (!Array.isArray(entries)) return failures.jsonProcessing;
  const records = new Map<string, ReturnedRecord>();
  for (const entry of entries) {
    const returned = returnedRecord(entry);
    if (returned === null) return failures.jsonProcessing;
    if (records.has(returned.recordId)) return failures.duplicatedRecordId;
    records.set(returned.recordId, returned);
  }
  for (const recordId of sent) if (!records.has(recordId)) return failures.missingRecordId;
  // An id that was never sent means one that was is missing, or will be, as AWS counts it.
  if (records.size !== sent.size) return failures.missingRecordId;
  return { records };
}

function returnedRecord(entry: unknown): (ReturnedRecord & { recordId: string }) | null {
  if (!isObject(entry)) return null;
  const { recordId, result, data, metadata } = entry;
  if (typeof recordId !== "string" || (result !== "Ok" && result !== "Dropped" && result !== "ProcessingFailed")) return null;
  if (data !== undefined && data !== null && (typeof data !== "string" || !isBase64(data))) return null;
  if (result === "Ok" && typeof data !== "string") return null;
  let partitionKeys: Record<string, string> | null = null;
  if (metadata !== undefined && metadata !== null) {
    if (!isObject(metadata)) return null;
    const keys = metadata["partitionKeys"];
    if (keys !== undefined && keys !== null) {
      if (!isObject(keys) || !Object.values(keys).every((value) => typeof value === "string")) return null;
      partitionKeys = keys as Record<string, string>;
    }
  }
  return { recordId, result, data: typeof data === "string" ? Buffer.from(data, "base64") : null, partitionKeys };
}

function outcomeOf(
  batch: readonly DeliveryRecord[],
  recordIds: readonly string[],
  returned: ReadonlyMap<string, ReturnedRecord>,
  attemptsMade: number,
  options: LambdaProcessorOptions,
): ProcessingOutcome {
  const delivered: DeliveryRecord[] = [];
  const failed: FailedRecord[] = [];
  batch.forEach((record, i) => {
    const reply = returned.get(recordIds[i] as string) as ReturnedRecord;
    if (reply.result === "Ok") {
      const partitionKeys = reply.partitionKeys === null ? record.partitionKeys : { ...record.partitionKeys, ...reply.partitionKeys };
      delivered.push({ ...record, data: reply.data as Buffer, partitionKeys });
    } else if (reply.result === "ProcessingFailed") {
      failed.push(failure(record, processingFailedStatus, attemptsMade, options));
    }
  });
  return { delivered, failed };
}

function failure(
  record: DeliveryRecord,
  cause: { errorCode: string; errorMessage: string },
  attemptsMade: number,
  options: LambdaProcessorOptions,
): FailedRecord {
  return {
    type: "processing-failed",
    offset: record.offset,
    arrivedAt: record.arrivedAt,
    rawData: record.data,
    errorCode: cause.errorCode,
    errorMessage: cause.errorMessage,
    attemptsMade,
    attemptEndingTimestamp: options.clock.now(),
    details: { lambdaArn: options.lambdaArn },
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isBase64(text: string): boolean {
  return text.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(text);
}
