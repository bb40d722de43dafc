import { after } from "node:test";
import { KinesisClient } from "@aws-sdk/client-kinesis";
import { NodeHttpHandler } from "@smithy/node-http-handler";

export type HttpVersion = "h2" | "http1";

/** A real AWS SDK v3 Kinesis client for the server; its default handler speaks HTTP/2, "http1" swaps in HTTP/1.1. */
export function kinesisClient(endpoint: string, http: HttpVersion = "h2", region = "us-east-1"): KinesisClient {
  const client = new KinesisClient({
    endpoint,
    region,
    credentials: { accessKeyId: "AKIDFRESHET", secretAccessKey: "freshet-secret" },
    maxAttempts: 1,
    ...(http === "http1" ? { requestHandler: new NodeHttpHandler() } : {}),
  });
  after(() => client.destroy());
  return client;
}

/** Rejects unless the promise fails with the named AWS error; returns the error for further checks. */
export async function awsError(promise: Promise<unknown>, name: string): Promise<Error & { message: string }> {
  try {
    await promise;
  } catch (error) {
    if ((error as Error).name !== name) {
      throw new Error(`expected ${name}, got ${(error as Error).name}: ${(error as Error).message}`);
    }
    return error as Error;
  }
  throw new Error(`expected ${name}, but the call succeeded`);
}
