/**
 * The HTTP endpoint destination: one flush's records POSTed to the endpoint as Amazon Data Firehose's "HTTP endpoint
 * delivery request and response specifications" (protocol version 1.0) lay them out, retried until it answers as
 * the specification demands or RetryOptions.DurationInSeconds has passed.
 *
 * A flush of more than `httpEndpointRequestMaxRecords` records goes out as several requests, in order, each with
 * its own request id (kept across that request's retries, so the endpoint can deduplicate). What the loop does with
 * the outcome:
 *   - "delivered": move the checkpoint past the records;
 *   - "failed": write `failed` as http-endpoint-failed JSON lines to the S3 backup destination (`settings.s3Backup`,
 *     under its ErrorOutputPrefix), then move the checkpoint. Records of requests that did get through are not
 *     in `failed`;
 *   - "interrupted" (the stop signal fired): move nothing; the records go out again after a restart.
 * With S3BackupMode AllData the loop also writes every flushed record to `settings.s3Backup` as an ordinary object
 * (as its S3 destination would, buffering and compression from that configuration), whatever the outcome.
 *
 * A 413 answer ends a request's retries at once (AWS calls it a permanent failure); AWS then drops the batch
 * rather than backing it up, while Freshet reports its records as failed, so they are backed up like any other.
 */
import { randomUUID } from "node:crypto";
import http from "node:http";
import https from "node:https";
import { setTimeout as delay } from "node:timers/promises";
import { promisify } from "node:util";
import { gzip } from "node:zlib";
import { deliveryDefaults, firehoseLimits } from "../config/limits.js";
import type { Clock } from "../util/clock.js";
import type { S3DestinationRecord } from "./model.js";
import type { DeliveryRecord, FailedRecord } from "./pipeline.js";

const gzipAsync = promisify(gzip);

export const httpEndpointContentEncodings = ["NONE", "GZIP"] as const;
export type HttpEndpointContentEncoding = (typeof httpEndpointContentEncodings)[number];
export const httpEndpointS3BackupModes = ["FailedDataOnly", "AllData"] as const;
export type HttpEndpointS3BackupMode = (typeof httpEndpointS3BackupModes)[number];

export interface HttpEndpointCommonAttribute {
  readonly name: string;
  readonly value: string;
}

/** An HTTP endpoint destination (HttpEndpointDestinationConfiguration), with AWS's defaults filled in. */
export interface HttpEndpointSettings {
  readonly url: string;
  readonly name: string | null;
  /** Sent verbatim as X-Amz-Firehose-Access-Key; DescribeDeliveryStream never shows it. */
  readonly accessKey: string | null;
  readonly sizeInMBs: number;
  readonly intervalInSeconds: number;
  readonly contentEncoding: HttpEndpointContentEncoding;
  readonly commonAttributes: readonly HttpEndpointCommonAttribute[];
  readonly retryDurationInSeconds: number;
  readonly s3BackupMode: HttpEndpointS3BackupMode;
  /** Where failed (or, with AllData, all) records go. */
  readonly s3Backup: S3DestinationRecord;
  readonly roleArn: string | null;
  /** Echoed back by DescribeDeliveryStream; Freshet writes no CloudWatch logs. */
  readonly cloudWatchLoggingOptions: { [key: string]: string | boolean } | null;
  /** ProcessingConfiguration as given on the wire, for the processing stage to interpret. */
  readonly processingConfiguration: Readonly<Record<string, unknown>> | null;
}

export interface HttpDeliveryContext {
  /** Sent as X-Amz-Firehose-Source-Arn. */
  readonly deliveryStreamArn: string;
  /** Decides when RetryOptions.DurationInSeconds has passed, and stamps requests and failures. */
  readonly clock: Clock;
  /** A graceful stop: ends a backoff wait or an attempt in flight, and the delivery with "interrupted". */
  readonly signal?: AbortSignal;
  /** Defaults to deliveryDefaults.httpEndpointAttemptTimeoutMs. */
  readonly attemptTimeoutMs?: number;
  /** Waits between attempts; rejects when the signal fires. Defaults to a real timer; tests move their clock. */
  readonly wait?: (ms: number, signal: AbortSignal | undefined) => Promise<void>;
  /** Jitter source in [0, 1). */
  readonly random?: () => number;
}

export type HttpDeliveryResult =
  | { readonly outcome: "delivered"; readonly requests: number }
  | { readonly outcome: "failed"; readonly failed: readonly FailedRecord[] }
  | { readonly outcome: "interrupted" };

/** AWS's error codes for HTTP endpoint delivery, as written to CloudWatch Logs and http-endpoint-failed records. */
export type HttpEndpointErrorCode =
  | "HttpEndpoint.RequestTimeout"
  | "HttpEndpoint.ResponseTooLarge"
  | "HttpEndpoint.InvalidResponseFromDestination"
  | "HttpEndpoint.DestinationException"
  | "HttpEndpoint.ConnectionFailed"
  | "HttpEndpoint.ConnectionReset"
  | "HttpEndpoint.SSLHandshakeFailure";

interface AttemptFailure {
  readonly errorCode: HttpEndpointErrorCode;
  readonly errorMessage: string;
  /** 413: no more attempts. */
  readonly permanent: boolean;
}

class Interrupted extends Error {}

const contactOwner = "Contact the owner of the endpoint to resolve this issue.";
const failureMessages = {
  timeout: "The delivery timed out before a response was received and will be retried. If this error persists, contact the AWS Firehose service team.",
  tooLarge: `The response received from the endpoint is too large. ${contactOwner}`,
  connectionFailed: `Unable to connect to the destination endpoint. ${contactOwner}`,
  connectionReset: `Unable to maintain connection with the endpoint. ${contactOwner}`,
  sslHandshake: `Unable to complete an SSL handshake with the endpoint. ${contactOwner}`,
} as const;

const agents = {
  "http:": new http.Agent({ keepAlive: true }),
  "https:": new https.Agent({ keepAlive: true }),
};

/** Delivers one flush to the endpoint; never throws for the endpoint's failures (they are in the result). */
export async function deliverToHttpEndpoint(
  records: readonly DeliveryRecord[],
  settings: HttpEndpointSettings,
  context: HttpDeliveryContext,
): Promise<HttpDeliveryResult> {
  const failed: FailedRecord[] = [];
  const perRequest = firehoseLimits.httpEndpointRequestMaxRecords;
  let requests = 0;
  for (let start = 0; start < records.length; start += perRequest) {
    const batch = records.slice(start, start + perRequest);
    try {
      const failure = await deliverRequest(batch, settings, context);
      if (failure === null) requests++;
      else failed.push(...failedRecords(batch, failure));
    } catch (error) {
      if (error instanceof Interrupted) return { outcome: "interrupted" };
      throw error;
    }
  }
  return failed.length === 0 ? { outcome: "delivered", requests } : { outcome: "failed", failed };
}

interface RequestFailure extends AttemptFailure {
  readonly attemptsMade: number;
  readonly attemptEndingTimestamp: number;
}

/** One request with its retries: null once delivered, else the last attempt's failure. */
async function deliverRequest(
  batch: readonly DeliveryRecord[],
  settings: HttpEndpointSettings,
  context: HttpDeliveryContext,
): Promise<RequestFailure | null> {
  const { clock, signal } = context;
  const requestId = randomUUID();
  const json = Buffer.from(
    JSON.stringify({ requestId, timestamp: clock.now(), records: batch.map((record) => ({ data: record.data.toString("base64") })) }),
  );
  const gzipped = settings.contentEncoding === "GZIP";
  const body = gzipped ? await gzipAsync(json) : json;
  const headers = requestHeaders(settings, context.deliveryStreamArn, requestId, gzipped);
  const timeoutMs = context.attemptTimeoutMs ?? deliveryDefaults.httpEndpointAttemptTimeoutMs;
  const retryBudgetMs = settings.retryDurationInSeconds * 1000;
  const wait = context.wait ?? waitWithTimer;
  const random = context.random ?? Math.random;
  // AWS counts only the time between attempts against RetryOptions.DurationInSeconds, not the time spent
  // waiting for the endpoint to answer; and gives up once the next wait would take it past the duration.
  let retryTimeMs = 0;
  for (let attempt = 1; ; attempt++) {
    if (signal?.aborted) throw new Interrupted();
    const failure = await post(settings.url, headers, body, requestId, timeoutMs, signal);
    if (failure === null) return null;
    const ended = clock.now();
    const backoffMs = backoff(attempt, random());
    if (failure.permanent || retryTimeMs + backoffMs > retryBudgetMs) {
      return { ...failure, attemptsMade: attempt, attemptEndingTimestamp: ended };
    }
    try {
      await wait(backoffMs, signal);
    } catch (error) {
      if (signal?.aborted) throw new Interrupted();
      throw error;
    }
    retryTimeMs += Math.max(clock.now() - ended, backoffMs);
  }
}

/** The wait before retry number `attempt`: 1 s × 2^(attempt − 1), ±15%, at most 2 minutes. */
function backoff(attempt: number, random: number): number {
  const base = Math.min(firehoseLimits.httpEndpointInitialBackoffMs * 2 ** (attempt - 1), firehoseLimits.httpEndpointMaxBackoffMs);
  return Math.round(base * (1 + firehoseLimits.httpEndpointBackoffJitter * (2 * random - 1)));
}

function waitWithTimer(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return delay(ms, undefined, signal === undefined ? {} : { signal });
}

function requestHeaders(settings: HttpEndpointSettings, sourceArn: string, requestId: string, gzipped: boolean): http.OutgoingHttpHeaders {
  const headers: http.OutgoingHttpHeaders = {
    "Content-Type": "application/json",
    "X-Amz-Firehose-Protocol-Version": "1.0",
    "X-Amz-Firehose-Request-Id": requestId,
    "X-Amz-Firehose-Source-Arn": sourceArn,
    // Not in the specification: what Firehose is seen to send (receivers' tests replay it).
    "User-Agent": "Amazon Kinesis Data Firehose Agent/1.0",
  };
  if (gzipped) headers["Content-Encoding"] = "gzip";
  if (settings.accessKey !== null) headers["X-Amz-Firehose-Access-Key"] = settings.accessKey;
  if (settings.commonAttributes.length > 0) {
    const commonAttributes = Object.fromEntries(settings.commonAttributes.map(({ name, value }) => [name, value]));
    headers["X-Amz-Firehose-Common-Attributes"] = asciiJson({ commonAttributes });
  }
  return headers;
}

/** JSON with every non-ASCII character escaped, so any attribute can travel in a header. */
function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** One attempt: null when the endpoint answered 200 with a response that follows the specification. */
function post(
  url: string,
  headers: http.OutgoingHttpHeaders,
  body: Buffer,
  requestId: string,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<AttemptFailure | null> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    let request: http.ClientRequest;
    try {
      request = (target.protocol === "https:" ? https : http).request(target, {
        method: "POST",
        headers: { ...headers, "Content-Length": body.length },
        agent: target.protocol === "https:" ? agents["https:"] : agents["http:"],
      });
    } catch (error) {
      // A header value Node refuses to send (an access key outside Latin-1): the request never leaves.
      resolve(requestError(error as NodeJS.ErrnoException));
      return;
    }
    let settled = false;
    /** `abandon`: the exchange did not finish, so its connection cannot go back to the keep-alive pool. */
    const settle = (outcome: AttemptFailure | null | Interrupted, abandon: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      if (abandon) request.destroy();
      if (outcome instanceof Interrupted) reject(outcome);
      else resolve(outcome);
    };
    const onAbort = (): void => settle(new Interrupted(), true);
    const timer = setTimeout(() => settle(transient("HttpEndpoint.RequestTimeout", failureMessages.timeout), true), timeoutMs);
    signal?.addEventListener("abort", onAbort, { once: true });
    request.on("error", (error: NodeJS.ErrnoException) => settle(requestError(error), true));
    request.on("response", (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size > firehoseLimits.httpEndpointResponseMaxBytes) {
          settle(transient("HttpEndpoint.ResponseTooLarge", failureMessages.tooLarge), true);
        } else {
          chunks.push(chunk);
        }
      });
      response.on("error", (error: NodeJS.ErrnoException) => settle(requestError(error), true));
      response.on("end", () => settle(judge(response, Buffer.concat(chunks).toString("utf8"), requestId), false));
    });
    request.end(body);
  });
}

function transient(errorCode: HttpEndpointErrorCode, errorMessage: string): AttemptFailure {
  return { errorCode, errorMessage, permanent: false };
}

/** The specification's rules for a response; anything but a conforming 200 is a failed attempt. */
function judge(response: http.IncomingMessage, text: string, requestId: string): AttemptFailure | null {
  const status = response.statusCode ?? 500;
  if (status !== 200) {
    return {
      errorCode: "HttpEndpoint.DestinationException",
      errorMessage: `The following response was received from the endpoint destination. ${status}: ${quoted(text)}`,
      permanent: status === 413,
    };
  }
  if (!conforms(response, text, requestId)) {
    return transient(
      "HttpEndpoint.InvalidResponseFromDestination",
      "The response received from the specified endpoint is invalid. Contact the owner of the endpoint to resolve the issue. " +
        `Response for request ${requestId} is not recognized as valid JSON or has unexpected fields. Raw response received: ${status} ${quoted(text)}`,
    );
  }
  return null;
}

/** application/json, not content-encoded, and a JSON object echoing the request id with a numeric timestamp. */
function conforms(response: http.IncomingMessage, text: string, requestId: string): boolean {
  const contentType = response.headers["content-type"]?.split(";")[0]?.trim().toLowerCase();
  if (contentType !== "application/json") return false;
  const encoding = response.headers["content-encoding"];
  if (encoding !== undefined && encoding.toLowerCase() !== "identity") return false;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return false;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return false;
  const { requestId: echoed, timestamp } = parsed as Record<string, unknown>;
  return echoed === requestId && typeof timestamp === "number" && Number.isInteger(timestamp);
}

function quoted(text: string): string {
  return text.length > deliveryDefaults.httpEndpointQuotedResponseChars
    ? text.slice(0, deliveryDefaults.httpEndpointQuotedResponseChars)
    : text;
}

const connectionResets = new Set(["ECONNRESET", "EPIPE", "ECONNABORTED", "ERR_STREAM_PREMATURE_CLOSE"]);

/** A request that got no response: reset once connected, a failed TLS handshake, or else no connection at all. */
function requestError(error: NodeJS.ErrnoException): AttemptFailure {
  const code = error.code ?? "";
  if (connectionResets.has(code)) return transient("HttpEndpoint.ConnectionReset", failureMessages.connectionReset);
  if (/^(ERR_TLS|ERR_SSL|CERT_|DEPTH_ZERO|SELF_SIGNED|UNABLE_TO_)/.test(code) || error.message.includes("SSL")) {
    return transient("HttpEndpoint.SSLHandshakeFailure", failureMessages.sslHandshake);
  }
  return transient("HttpEndpoint.ConnectionFailed", failureMessages.connectionFailed);
}

/**
 * AWS's http-endpoint-failed record: the common failure fields, then `subsequenceNumber` and `dataId`
 * (`<sequence number>.<subsequence>` for a record read from a Kinesis data stream; Freshet's log offset for a
 * DirectPut record, whose id AWS does not publish).
 */
function failedRecords(batch: readonly DeliveryRecord[], failure: RequestFailure): FailedRecord[] {
  return batch.map((record) => {
    const subsequenceNumber = record.kinesis?.subsequenceNumber ?? 0;
    return {
      type: "http-endpoint-failed",
      offset: record.offset,
      arrivedAt: record.arrivedAt,
      rawData: record.data,
      errorCode: failure.errorCode,
      errorMessage: failure.errorMessage,
      attemptsMade: failure.attemptsMade,
      attemptEndingTimestamp: failure.attemptEndingTimestamp,
      details: {
        subsequenceNumber,
        dataId: `${record.kinesis?.sequenceNumber ?? record.offset}.${subsequenceNumber}`,
      },
    };
  });
}
