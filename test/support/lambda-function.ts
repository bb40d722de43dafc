/**
 * A stand-in for a Lambda function behind `firehose.lambdaFunctions`: a real HTTP server on a random loopback port
 * that answers each Firehose data transformation event with what `handle` makes of it, and keeps the events it got.
 * Closed after the test file.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { after } from "node:test";

export interface TransformationRecord {
  readonly recordId: string;
  readonly approximateArrivalTimestamp: number;
  readonly data: string;
  readonly kinesisRecordMetadata?: Record<string, unknown>;
}

export interface TransformationEvent {
  readonly invocationId: string;
  readonly deliveryStreamArn: string;
  readonly sourceKinesisStreamArn?: string;
  readonly region: string;
  readonly records: readonly TransformationRecord[];
}

export interface TransformationReply {
  readonly records: ReadonlyArray<{
    readonly recordId: string;
    readonly result: "Ok" | "Dropped" | "ProcessingFailed";
    readonly data?: string;
    readonly metadata?: { readonly partitionKeys: Readonly<Record<string, string>> };
  }>;
}

export interface LambdaFunction {
  readonly url: string;
  readonly events: TransformationEvent[];
}

/** `handle` may return a promise, to hold an invocation until the test lets it answer. */
export async function startLambdaFunction(
  handle: (event: TransformationEvent) => TransformationReply | Promise<TransformationReply>,
): Promise<LambdaFunction> {
  const events: TransformationEvent[] = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", async () => {
      const event = JSON.parse(Buffer.concat(chunks).toString("utf8")) as TransformationEvent;
      events.push(event);
      response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(await handle(event)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  after(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, events };
}
