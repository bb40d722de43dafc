/**
 * The AWS JSON-protocol front door shared by Kinesis and Firehose: `POST /` with `X-Amz-Target: <Service>.<Action>`.
 *
 * Lifecycle of a request: content type → codec; body decoded (SerializationException when it is not a document);
 * target resolved to a registered service action (UnknownOperationException otherwise); the action runs; the
 * result or the AwsError it threw is encoded in the request's encoding. This is the only place an AwsError becomes
 * bytes: a response's body, or, once an event stream has started (event-stream.ts), an exception message.
 */
import { randomUUID } from "node:crypto";
import { pooledRandomBase64 } from "../../util/random-pool.js";
import { type AwsCodec, codecFor, type PiecewiseBody } from "./codecs.js";
import { AwsError, internalFailure, serializationError, unknownOperation } from "./errors.js";
import { eventMessage, eventStreamContentType, EventStreamOutput, exceptionMessage } from "./event-stream.js";
import { requestRegion } from "./region.js";
import { type SigV4Verifier, signingName } from "./sigv4.js";

export interface AwsRequestContext {
  readonly requestId: string;
  readonly codec: AwsCodec;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** From the request's SigV4 credential scope; us-east-1 when it has none. */
  readonly region: string;
}

export type AwsAction = (input: Record<string, unknown>, context: AwsRequestContext) => Promise<unknown>;

/** A service answers the targets `<targetPrefix>.<Action>` for each of its actions. */
export interface AwsService {
  readonly targetPrefix: string;
  readonly actions: ReadonlyMap<string, AwsAction>;
}

export interface AwsResponse {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  /** A whole body, one of known length made in pieces, or one written as it is produced (no Content-Length). */
  readonly body: Buffer | PiecewiseBody | StreamingBody;
}

/**
 * A body produced over time (an event stream): the HTTP layer writes each chunk as it comes, with back-pressure,
 * and aborts `signal` when the client goes away or the server shuts down; the body then ends promptly.
 */
export type StreamingBody = (signal: AbortSignal) => AsyncIterable<Buffer>;

export interface AwsRequest {
  readonly method: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Path and query as received. */
  readonly url: string;
  readonly body: Buffer;
}

export interface AwsDispatcherOptions {
  /** Verifies every request's SigV4 signature once its target is known; without one, signatures are not checked. */
  readonly verifier?: SigV4Verifier;
}

export class AwsDispatcher {
  private readonly actions = new Map<string, AwsAction>();

  constructor(
    services: readonly AwsService[],
    private readonly onInternalError: (error: unknown, requestId: string) => void,
    private readonly options: AwsDispatcherOptions = {},
  ) {
    for (const service of services) {
      for (const [name, action] of service.actions) this.actions.set(`${service.targetPrefix}.${name}`, action);
    }
  }

  async dispatch(request: AwsRequest): Promise<AwsResponse> {
    const requestId = randomUUID();
    const target = header(request.headers, "x-amz-target") ?? "";
    const codec = codecFor(header(request.headers, "content-type"));
    // Requests AWS cannot map to an operation are refused in XML, before any JSON/CBOR processing.
    if (request.method !== "POST" || (codec === undefined && target === "")) {
      return xmlResponse(403, requestId, "<AccessDeniedException>\n  <Message>Unable to determine service/operation name to be authorized</Message>\n</AccessDeniedException>\n");
    }
    if (codec === undefined) return xmlResponse(404, requestId, "<UnknownOperationException/>\n");
    try {
      const output = await this.invoke(target, codec, request, requestId);
      if (output instanceof EventStreamOutput) return this.streamResponse(output, codec, requestId);
      return respond(200, codec, requestId, output ?? {});
    } catch (error) {
      if (error instanceof AwsError) return errorResponse(error, codec, requestId);
      this.onInternalError(error, requestId);
      return errorResponse(internalFailure(), codec, requestId);
    }
  }

  /**
   * Decodes the body and starts the action. Not async, so that the decoded body (every record of a PutRecords) is
   * not held while the action waits.
   */
  private invoke(target: string, codec: AwsCodec, request: AwsRequest, requestId: string): Promise<unknown> {
    const action = this.actions.get(target);
    const input = decodeInput(codec, request.body, action !== undefined);
    if (action === undefined) throw unknownOperation();
    // As AWS does: authentication after the body is decoded and the operation known, before input validation.
    // Only POST requests reach the dispatcher.
    this.options.verifier?.verify(request, signingName(target.split(".")[0]!));
    const region = requestRegion(header(request.headers, "authorization"), queryParameter(request.url, "X-Amz-Credential"));
    return action(input, { requestId, codec, headers: request.headers, region });
  }

  /** `200` now; then `initial-response`, the output's events, and a failure as an exception message. */
  private streamResponse(output: EventStreamOutput, codec: AwsCodec, requestId: string): AwsResponse {
    const onInternalError = this.onInternalError;
    async function* messages(signal: AbortSignal): AsyncGenerator<Buffer> {
      yield eventMessage("initial-response", codec.contentType, codec.encode(output.initialResponse));
      try {
        for await (const event of output.events(signal)) yield eventMessage(event.type, codec.contentType, codec.encode(event.payload));
      } catch (error) {
        if (!(error instanceof AwsError)) onInternalError(error, requestId);
        const failure = error instanceof AwsError ? error : internalFailure();
        // A server fault is named as the stream's union names it (Kinesis: InternalFailureException).
        const type = failure.statusCode >= 500 ? output.internalFailureType : failure.type;
        yield exceptionMessage(type, codec.contentType, codec.encode(failure.hasMessage ? { message: failure.message } : {}));
      }
    }
    return { statusCode: 200, headers: responseHeaders(eventStreamContentType, requestId), body: messages };
  }
}

/**
 * An empty body is a SerializationException for a known action (there is no document) and falls through to
 * UnknownOperationException otherwise, as AWS does.
 */
function decodeInput(codec: AwsCodec, body: Buffer, knownAction: boolean): Record<string, unknown> {
  if (body.length === 0) {
    if (knownAction) throw serializationError();
    return {};
  }
  let input: unknown;
  try {
    input = codec.decode(body);
  } catch {
    throw serializationError();
  }
  if (typeof input !== "object" || input === null || Array.isArray(input)) throw serializationError();
  return input as Record<string, unknown>;
}

export function errorResponse(error: AwsError, codec: AwsCodec, requestId: string): AwsResponse {
  const body: Record<string, string> = { __type: error.type };
  if (error.hasMessage) body.message = error.message;
  const response = respond(error.statusCode, codec, requestId, body);
  response.headers["x-amzn-errortype"] = error.type;
  return response;
}

function respond(statusCode: number, codec: AwsCodec, requestId: string, value: unknown): AwsResponse & { headers: Record<string, string> } {
  return { statusCode, headers: responseHeaders(codec.contentType, requestId), body: codec.encodeAnswer(value) };
}

function xmlResponse(statusCode: number, requestId: string, body: string): AwsResponse {
  return { statusCode, headers: responseHeaders("application/xml", requestId), body: Buffer.from(body, "utf8") };
}

function responseHeaders(contentType: string, requestId: string): Record<string, string> {
  return { "content-type": contentType, "x-amzn-requestid": requestId, "x-amz-id-2": pooledRandomBase64(54) };
}

/** Most requests have no query string; parsing a URL for each of them is measurable on small calls. */
function queryParameter(url: string, name: string): string | null {
  return url.includes("?") ? new URL(url, "http://localhost").searchParams.get(name) : null;
}

function header(headers: AwsRequest["headers"], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
