/**
 * The AWS JSON-protocol front door shared by Kinesis and Firehose: `POST /` with `X-Amz-Target: <Service>.<Action>`.
 *
 * Lifecycle of a request: content type → codec; body decoded (SerializationException when it is not a document);
 * target resolved to a registered service action (UnknownOperationException otherwise); the action runs; the
 * result or the AwsError it threw is encoded in the request's encoding. This is the only place an AwsError becomes
 * bytes.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { type AwsCodec, codecFor, jsonCodec } from "./codecs.js";
import { AwsError, internalFailure, serializationError, unknownOperation } from "./errors.js";
import { requestRegion } from "./region.js";

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
  readonly body: Buffer;
}

export interface AwsRequest {
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Path and query as received. */
  readonly url: string;
  readonly body: Buffer;
}

export class AwsDispatcher {
  private readonly actions = new Map<string, AwsAction>();

  constructor(
    services: readonly AwsService[],
    private readonly onInternalError: (error: unknown, requestId: string) => void,
  ) {
    for (const service of services) {
      for (const [name, action] of service.actions) this.actions.set(`${service.targetPrefix}.${name}`, action);
    }
  }

  async dispatch(request: AwsRequest): Promise<AwsResponse> {
    const requestId = randomUUID();
    const codec = codecFor(header(request.headers, "content-type")) ?? jsonCodec;
    const target = header(request.headers, "x-amz-target") ?? "";
    const action = this.actions.get(target);
    try {
      const input = decodeInput(codec, request.body, action !== undefined);
      if (action === undefined) throw unknownOperation();
      const query = new URL(request.url, "http://localhost").searchParams;
      const region = requestRegion(header(request.headers, "authorization"), query.get("X-Amz-Credential"));
      const output = await action(input, { requestId, codec, headers: request.headers, region });
      return respond(200, codec, requestId, output ?? {});
    } catch (error) {
      if (error instanceof AwsError) return errorResponse(error, codec, requestId);
      this.onInternalError(error, requestId);
      return errorResponse(internalFailure(), codec, requestId);
    }
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
  return {
    statusCode,
    headers: {
      "content-type": codec.contentType,
      "x-amzn-requestid": requestId,
      "x-amz-id-2": randomBytes(54).toString("base64"),
    },
    body: codec.encode(value),
  };
}

function header(headers: AwsRequest["headers"], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
