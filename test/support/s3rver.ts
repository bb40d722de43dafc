/**
 * s3rver, a local S3-compatible server, on a random loopback port with its own temporary directory, and a real
 * AWS SDK S3 client to read what lands in it. Each is stopped after the test that started it (node:test runs a
 * test's `after` hooks in the order they were added: an s3rver started first stops before a Freshet started after it).
 */
import { createRequire } from "node:module";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after } from "node:test";
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { tempDir } from "./temp-dir.js";

/** The part of s3rver's (untyped, CommonJS) API used here. */
interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
  readonly httpServer: Server;
}
type S3rverConstructor = new (options: {
  address: string;
  port: number;
  directory: string;
  silent: boolean;
  configureBuckets: Array<{ name: string }>;
}) => S3rverInstance;

const S3rver = createRequire(import.meta.url)("s3rver") as S3rverConstructor;

/** The key pair s3rver accepts. */
export const s3rverCredentials = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } as const;

export class RunningS3rver {
  private instance: S3rverInstance | null;

  private constructor(
    instance: S3rverInstance,
    readonly port: number,
    /** Where s3rver keeps buckets and objects, so a restart on the same port finds them again. */
    private readonly directory: string,
  ) {
    this.instance = instance;
  }

  static async start(buckets: readonly string[] = []): Promise<RunningS3rver> {
    const directory = await tempDir("freshet-s3rver-");
    const instance = new S3rver({ address: "127.0.0.1", port: 0, directory, silent: true, configureBuckets: buckets.map((name) => ({ name })) });
    const address = await instance.run();
    const running = new RunningS3rver(instance, address.port, directory);
    after(() => running.stop());
    return running;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Stops listening and drops every connection: the endpoint refuses connections until `restart()`. Safe to call twice. */
  async stop(): Promise<void> {
    const instance = this.instance;
    this.instance = null;
    if (instance === null) return;
    const closed = instance.close();
    // close() alone waits for the connections open at the time to end, and a kept-alive one that a client keeps
    // sending on (Freshet's delivery, retrying every few milliseconds) never does: the test file hung until CI's limit.
    instance.httpServer.closeAllConnections();
    await closed;
  }

  /** Listens again on the same port, with the same buckets and objects. */
  async restart(): Promise<void> {
    const instance = new S3rver({ address: "127.0.0.1", port: this.port, directory: this.directory, silent: true, configureBuckets: [] });
    await instance.run();
    this.instance = instance;
  }
}

/** A real S3 client for s3rver (path-style; no flexible checksums, which s3rver does not understand). */
export function s3Client(endpoint: string): S3Client {
  const client = new S3Client({
    endpoint,
    region: "us-east-1",
    credentials: s3rverCredentials,
    forcePathStyle: true,
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    maxAttempts: 1,
  });
  after(() => client.destroy());
  return client;
}

export async function createBucket(client: S3Client, bucket: string): Promise<void> {
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
}

export interface StoredObject {
  readonly body: Buffer;
  readonly contentType: string | undefined;
  readonly contentEncoding: string | undefined;
}

/** Every object in the bucket, as key → object, keys sorted (as ListObjectsV2 returns them). */
export async function getObjects(client: S3Client, bucket: string): Promise<Map<string, StoredObject>> {
  const objects = new Map<string, StoredObject>();
  let continuationToken: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: continuationToken }));
    for (const { Key: key } of page.Contents ?? []) {
      const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      objects.set(key!, {
        body: Buffer.from(await object.Body!.transformToByteArray()),
        contentType: object.ContentType,
        contentEncoding: object.ContentEncoding,
      });
    }
    continuationToken = page.NextContinuationToken;
  } while (continuationToken !== undefined);
  return objects;
}
