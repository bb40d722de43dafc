/**
 * The Lambda processor: records are sent, in batches of at most BufferSizeInMBs of data, as the Firehose data
 * transformation event to the function, here an HTTP URL configured for the function's ARN
 * (`firehose.lambdaFunctions`), and replaced by what it returns:
 *
 *   event  {invocationId, deliveryStreamArn, [sourceKinesisStreamArn], region, records: [{recordId,
 *          approximateArrivalTimestamp, data, [kinesisRecordMetadata]}]}
 *   reply  {records: [{recordId, result: Ok | Dropped | ProcessingFailed, data, metadata?: {partitionKeys}}]}
 *
 * As AWS does: an invocation that fails (no answer, a non-2xx status, a timeout) is retried NumberOfRetries times,
 * then every record of the batch becomes a `processing-failed` record (Lambda.FunctionError); a reply is final,
 * however wrong, and is judged record by record: a record not returned, returned twice, marked ProcessingFailed or
 * returned Ok without data fails alone while the rest of the batch is delivered; entries naming records that were
 * never sent are ignored. Only a reply that is not JSON at all fails the whole batch (Lambda.JsonProcessingException).
 */
import { randomUUID } from "node:crypto";
import { firehoseProcessingLimits } from "../../config/limits.js";
import type { Clock } from "../../util/clock.js";
import type { DeliveryRecord, FailedRecord, ProcessingOutcome, Processor } from "../pipeline.js";

export interface LambdaProcessorOptions {
  readonly lambdaArn: string;
  /** Null when `firehose.lambdaFunctions` no longer maps the function (settings changed since the stream was made). */
  readonly url: string | null;
  readonly numberOfRetries: number;
  readonly bufferSizeInMBs: number;
  readonly deliveryStreamArn: string;
  readonly region: string;
  readonly sourceKinesisStreamArn?: string;
  readonly clock: Clock;
}

/** Why a record was not processed, with AWS's error code and message. */
interface Failure {
  readonly errorCode: string;
  readonly errorMessage: string;
}

/**
 * AWS's codes and messages: the Firehose developer guide's "Lambda invocation errors", and what Firehose writes to
 * processing-failed records as observed against the real service. `invalidReturn` codes are Freshet's own wording.
 */
const failures = {
  functionError: {
    errorCode: "Lambda.FunctionError",
    errorMessage: "The Lambda function was successfully invoked but it returned an error result.",
  },
  timedOut: {
    errorCode: "Lambda.FunctionTimedOut",
    errorMessage: "Firehose encountered timeout errors when calling AWS Lambda. The maximum supported function timeout is 5 minutes.",
  },
  jsonProcessing: {
    errorCode: "Lambda.JsonProcessingException",
    errorMessage:
      "There was an error parsing returned records from the Lambda function. " +
      "Ensure that the returned records follow the status model required by Firehose.",
  },
  duplicatedRecordId: {
    errorCode: "Lambda.DuplicatedRecordId",
    errorMessage:
      "Multiple records were returned with the same record Id. Ensure that the Lambda function returns a unique record Id for each record.",
  },
  missingRecordId: {
    errorCode: "Lambda.MissingRecordId",
    errorMessage: "One or more record Ids were not returned. Ensure that the Lambda function returns all received record Ids.",
  },
  processingFailedStatus: { errorCode: "Lambda.ProcessingFailedStatus", errorMessage: "ProcessingFailed status set for record" },
  nullData: {
    errorCode: "Lambda.InvalidReturnFormat",
    errorMessage:
      "The data field cannot be null when the SourceType is DirectPut or KinesisStreamAsSource and processing result is Ok. " +
      "The value field cannot be null when the SourceType is MSKAsSource and processing result is Ok.",
  },
  invalidResult: {
    errorCode: "Lambda.InvalidReturnFormat",
    errorMessage: "The result field must be one of Ok, Dropped or ProcessingFailed.",
  },
  invalidData: { errorCode: "Lambda.InvalidReturnFormat", errorMessage: "The data field must be base64 encoded." },
  resourceNotFound: {
    errorCode: "Lambda.ResourceNotFound",
    errorMessage:
      "The specified Lambda function does not exist. Use a different function that does exist. " +
      "(Freshet: map the function's ARN to a URL in firehose.lambdaFunctions.)",
  },
  invalidPartitionKeys: {
    errorCode: "Lambda.InvalidReturnFormat",
    errorMessage: "metadata.partitionKeys must be an object whose values are strings.",
  },
} as const satisfies Record<string, Failure>;

/** Freshet's own: the function's URL could not be reached at all (in AWS, Lambda itself always answers). */
function unreachable(url: string, cause: unknown): Failure {
  const reason = cause instanceof Error ? ((cause.cause as Error | undefined)?.message ?? cause.message) : String(cause);
  return { errorCode: "Lambda.FunctionError", errorMessage: `The Lambda function at ${url} could not be reached: ${reason}` };
}

/** What became of one record: delivered (with new data and keys), dropped, or failed. */
type Verdict =
  | { readonly kind: "ok"; readonly data: Buffer; readonly partitionKeys: Record<string, string> | null }
  | { readonly kind: "dropped" }
  | { readonly kind: "failed"; readonly failure: Failure };

export function lambdaProcessor(options: LambdaProcessorOptions): Processor {
  return async (records, stop) => {
    const delivered: DeliveryRecord[] = [];
    const failed: FailedRecord[] = [];
    for (const batch of batches(records, options.bufferSizeInMBs)) {
      const outcome = await invokeWithRetries(batch, options, stop);
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

async function invokeWithRetries(batch: readonly DeliveryRecord[], options: LambdaProcessorOptions, stop?: AbortSignal): Promise<ProcessingOutcome> {
  // Record ids are stable across retries; each attempt is a new invocation.
  const recordIds = batch.map((record, i) => `${String(record.offset).padStart(20, "0")}${String(i).padStart(6, "0")}`);
  const url = options.url;
  if (url === null) return outcomeOf(batch, batch.map(() => ({ kind: "failed", failure: failures.resourceNotFound })), 1, options);
  let attemptsMade = 0;
  for (;;) {
    attemptsMade++;
    const answer = await invoke(url, batch, recordIds, options, stop);
    if (typeof answer === "string") return outcomeOf(batch, verdictsOf(answer, recordIds), attemptsMade, options);
    if (attemptsMade > options.numberOfRetries) {
      return outcomeOf(batch, batch.map(() => ({ kind: "failed", failure: answer })), attemptsMade, options);
    }
  }
}

/** The function's reply body, or why there is none. */
async function invoke(
  url: string,
  batch: readonly DeliveryRecord[],
  recordIds: readonly string[],
  options: LambdaProcessorOptions,
  stop?: AbortSignal,
): Promise<string | Failure> {
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
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(event),
      signal: AbortSignal.any([AbortSignal.timeout(firehoseProcessingLimits.lambdaInvocationTimeoutMs), ...(stop === undefined ? [] : [stop])]),
    });
    const body = await response.text();
    // A Lambda Invoke API endpoint answers 200 with this header when the function threw.
    if (!response.ok || response.headers.has("x-amz-function-error")) return failures.functionError;
    // Lambda refuses a response above its payload limit, which Firehose sees as a function error.
    if (Buffer.byteLength(body) > firehoseProcessingLimits.lambdaPayloadMaxBytes) return failures.functionError;
    return body;
  } catch (error) {
    // A stopping server: neither a success nor the function's failure; the records are processed after the restart.
    if (stop?.aborted === true) throw new Error("the Lambda invocation was abandoned: the server is stopping");
    if (error instanceof DOMException && error.name === "TimeoutError") return failures.timedOut;
    return unreachable(url, error);
  }
}

/** Each sent record's verdict, from the reply: judged record by record against the status model. */
function verdictsOf(body: string, recordIds: readonly string[]): Verdict[] {
  let reply: unknown;
  try {
    reply = JSON.parse(body);
  } catch {
    return recordIds.map(() => ({ kind: "failed", failure: failures.jsonProcessing }));
  }
  const entries = isObject(reply) && Array.isArray(reply["records"]) ? (reply["records"] as unknown[]) : [];
  const sent = new Set(recordIds);
  const returned = new Map<string, Verdict>();
  const duplicated = new Set<string>();
  for (const entry of entries) {
    if (!isObject(entry) || typeof entry["recordId"] !== "string" || !sent.has(entry["recordId"])) continue;
    const recordId = entry["recordId"];
    if (returned.has(recordId)) duplicated.add(recordId);
    else returned.set(recordId, verdictOf(entry));
  }
  return recordIds.map((recordId) => {
    if (duplicated.has(recordId)) return { kind: "failed", failure: failures.duplicatedRecordId };
    return returned.get(recordId) ?? { kind: "failed", failure: failures.missingRecordId };
  });
}

function verdictOf(entry: Record<string, unknown>): Verdict {
  const { result, data, metadata } = entry;
  if (result === "Dropped") return { kind: "dropped" };
  if (result === "ProcessingFailed") return { kind: "failed", failure: failures.processingFailedStatus };
  if (result !== "Ok") return { kind: "failed", failure: failures.invalidResult };
  if (data === undefined || data === null) return { kind: "failed", failure: failures.nullData };
  if (typeof data !== "string" || !isBase64(data)) return { kind: "failed", failure: failures.invalidData };
  const keys = isObject(metadata) ? metadata["partitionKeys"] : undefined;
  if (keys !== undefined && keys !== null && !(isObject(keys) && Object.values(keys).every((value) => typeof value === "string"))) {
    return { kind: "failed", failure: failures.invalidPartitionKeys };
  }
  return { kind: "ok", data: Buffer.from(data, "base64"), partitionKeys: (keys as Record<string, string> | undefined) ?? null };
}

function outcomeOf(
  batch: readonly DeliveryRecord[],
  verdicts: readonly Verdict[],
  attemptsMade: number,
  options: LambdaProcessorOptions,
): ProcessingOutcome {
  const delivered: DeliveryRecord[] = [];
  const failed: FailedRecord[] = [];
  batch.forEach((record, i) => {
    const verdict = verdicts[i] as Verdict;
    if (verdict.kind === "ok") {
      const partitionKeys = verdict.partitionKeys === null ? record.partitionKeys : { ...record.partitionKeys, lambda: verdict.partitionKeys };
      delivered.push({ ...record, data: verdict.data, partitionKeys });
    } else if (verdict.kind === "failed") {
      failed.push({
        type: "processing-failed",
        offset: record.offset,
        arrivedAt: record.arrivedAt,
        rawData: record.data,
        errorCode: verdict.failure.errorCode,
        errorMessage: verdict.failure.errorMessage,
        attemptsMade,
        attemptEndingTimestamp: options.clock.now(),
        // Spelled as Firehose spells it in processing-failed records (the guide says lambdaArn).
        details: { lambdaARN: options.lambdaArn },
      });
    }
  });
  return { delivered, failed };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isBase64(text: string): boolean {
  return text.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(text);
}
