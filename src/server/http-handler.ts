/**
 * Routes HTTP requests: `GET /health`, and every `POST` to the AWS JSON-protocol dispatcher. Bodies are read with
 * a bound; anything the server cannot take gets an error in the shape AWS clients expect, and never takes the
 * server down. An answer larger than serverDefaults.responsePieceBytes is handed to the connection in pieces, as it
 * takes them (and made in pieces, when its codec can). A streamed answer (an event stream) is written as it is
 * produced, without Content-Length (HTTP/2 DATA frames, or chunked on HTTP/1.1), and stopped when the client goes
 * away or the server starts shutting down.
 */
import { once } from "node:events";
import { serverDefaults } from "../config/limits.js";
import type { AwsDispatcher, StreamingBody } from "../protocols/aws/dispatch.js";
import type { HttpRequest, HttpResponse, RequestHandler } from "./listener.js";
import type { Logger } from "./logger.js";

class BodyTooLargeError extends Error {}

export interface HealthReport {
  readonly status: "ok";
  readonly version: string;
  readonly storage: "embedded" | "memory";
}

/** `stopping` aborts when the server begins a graceful shutdown: streamed answers end then, so it need not wait. */
export function createHttpHandler(
  dispatcher: AwsDispatcher,
  health: () => HealthReport,
  logger: Logger,
  stopping: AbortSignal = new AbortController().signal,
): RequestHandler {
  return (request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (error instanceof BodyTooLargeError) {
        send(response, 413, {}, "");
        return;
      }
      logger.error({ err: error }, "request failed before it reached a service");
      if (!response.headersSent) send(response, 500, { "content-type": "application/json" }, '{"__type":"InternalFailure"}');
      else response.destroy();
    });
  };

  async function handle(request: HttpRequest, response: HttpResponse): Promise<void> {
    const path = (request.url ?? "/").split("?")[0];
    if (request.method === "GET" && path === "/health") {
      send(response, 200, { "content-type": "application/json" }, JSON.stringify(health()));
      return;
    }
    // Known from the start, so a client that leaves while its call runs is never streamed to. A flag, not an
    // AbortController: a signal and its abort cost ~20 µs, measurable on small calls, and only streams and large
    // answers need one.
    let clientLeft = false;
    response.once("close", () => (clientLeft = true));
    const body = await readBody(request, serverDefaults.maxRequestBodyBytes);
    const answer = await dispatcher.dispatch({ method: request.method ?? "GET", headers: request.headers, url: request.url ?? "/", body });
    const answerBody = answer.body;
    if (typeof answerBody === "function") {
      await stream(response, answer.statusCode, answer.headers, answerBody, whenGone(response, clientLeft), stopping);
    } else if (Buffer.isBuffer(answerBody) && answerBody.length <= serverDefaults.responsePieceBytes) {
      send(response, answer.statusCode, answer.headers, answerBody);
    } else {
      response.writeHead(answer.statusCode, { ...answer.headers, "content-length": String(answerBody.length) });
      const gone = whenGone(response, clientLeft);
      for (const piece of Buffer.isBuffer(answerBody) ? [answerBody] : answerBody.pieces()) {
        await writeInPieces(response, piece, gone);
        if (gone.aborted) return;
      }
      response.end();
    }
  }
}

function whenGone(response: HttpResponse, alreadyGone: boolean): AbortSignal {
  if (alreadyGone) return AbortSignal.abort();
  const gone = new AbortController();
  response.once("close", () => gone.abort());
  return gone.signal;
}

/** Writes a body as it is produced, waiting for the client to drain; stops when the client goes or `stopping` aborts. */
async function stream(
  response: HttpResponse,
  statusCode: number,
  headers: Record<string, string>,
  body: StreamingBody,
  clientGone: AbortSignal,
  stopping: AbortSignal,
): Promise<void> {
  const signal = AbortSignal.any([clientGone, stopping]);
  if (!clientGone.aborted) response.writeHead(statusCode, headers);
  try {
    // Iterated to its end even once the client is gone (it ends promptly then), so the producer always cleans up.
    for await (const chunk of body(signal)) {
      // A message once begun is finished even if the server is stopping: a cut one would be garbage to the client.
      if (!clientGone.aborted) await writeInPieces(response, chunk, clientGone);
    }
  } finally {
    if (!clientGone.aborted) response.end();
  }
}

/**
 * Hands `body` to the connection a piece at a time, each once the one before is taken (serverDefaults says why);
 * stops early when `signal` aborts.
 */
async function writeInPieces(response: HttpResponse, body: Buffer, signal: AbortSignal): Promise<void> {
  const pieceBytes = serverDefaults.responsePieceBytes;
  for (let at = 0; at < body.length && !signal.aborted; at += pieceBytes) {
    // Both response kinds take a Buffer; their write overloads just do not unify.
    const piece = body.subarray(at, at + pieceBytes);
    if (!(response as { write(chunk: Buffer): boolean }).write(piece)) await once(response, "drain", { signal }).catch(() => undefined);
  }
}

function send(response: HttpResponse, statusCode: number, headers: Record<string, string>, body: string | Buffer): void {
  response.writeHead(statusCode, { ...headers, "content-length": String(Buffer.byteLength(body)) });
  response.end(body);
}

/**
 * The whole body, read with plain stream events: an async iterator costs a promise per chunk, and an HTTP/2
 * request body arrives in many 16 KiB DATA frames.
 */
function readBody(request: HttpRequest, maxBytes: number): Promise<Buffer> {
  const declared = Number(request.headers["content-length"]);
  if (declared > maxBytes) return Promise.reject(new BodyTooLargeError());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    const settle = (error?: Error): void => {
      request.off("data", onData);
      request.off("end", onEnd);
      request.off("error", settle);
      request.off("close", onClose);
      if (error === undefined) resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, bytes));
      else reject(error);
    };
    const onData = (chunk: Buffer): void => {
      bytes += chunk.length;
      if (bytes > maxBytes) {
        settle(new BodyTooLargeError());
        request.destroy();
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => settle();
    const onClose = (): void => settle(new Error("the request closed before its body ended"));
    request.on("data", onData);
    request.on("end", onEnd);
    request.on("error", settle);
    request.on("close", onClose);
  });
}
