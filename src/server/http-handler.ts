/**
 * Routes HTTP requests: `GET /health`, and every `POST` to the AWS JSON-protocol dispatcher. Bodies are read with
 * a bound; anything the server cannot take gets an error in the shape AWS clients expect, and never takes the
 * server down.
 */
import { serverDefaults } from "../config/limits.js";
import type { AwsDispatcher } from "../protocols/aws/dispatch.js";
import type { HttpRequest, HttpResponse, RequestHandler } from "./listener.js";
import type { Logger } from "./logger.js";

class BodyTooLargeError extends Error {}

export interface HealthReport {
  readonly status: "ok";
  readonly version: string;
  readonly storage: "embedded" | "memory";
}

export function createHttpHandler(dispatcher: AwsDispatcher, health: () => HealthReport, logger: Logger): RequestHandler {
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
    if (request.method !== "POST") {
      // What AWS answers a request it cannot map to an operation.
      const body =
        "<AccessDeniedException>\n  <Message>Unable to determine service/operation name to be authorized</Message>\n</AccessDeniedException>\n";
      send(response, 403, { "content-type": "application/xml" }, body);
      return;
    }
    const body = await readBody(request, serverDefaults.maxRequestBodyBytes);
    const answer = await dispatcher.dispatch({ headers: request.headers, url: request.url ?? "/", body });
    send(response, answer.statusCode, answer.headers, answer.body);
  }
}

function send(response: HttpResponse, statusCode: number, headers: Record<string, string>, body: string | Buffer): void {
  response.writeHead(statusCode, { ...headers, "content-length": String(Buffer.byteLength(body)) });
  response.end(body);
}

async function readBody(request: HttpRequest, maxBytes: number): Promise<Buffer> {
  const declared = Number(request.headers["content-length"]);
  if (declared > maxBytes) throw new BodyTooLargeError();
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    if (bytes > maxBytes) throw new BodyTooLargeError();
    chunks.push(chunk);
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, bytes);
}
