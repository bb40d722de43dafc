/**
 * The S3 destination when an S3 endpoint is configured: each object is one PutObject to an S3-compatible server
 * (Amazon S3, MinIO, Ceph RGW, Cloudflare R2, s3rver, …) through one shared client.
 *
 * One PutObject, never a multipart upload: an object is at most SizeInMBs (≤ 128 MiB) plus one record, already in
 * memory, far below PutObject's 5 GiB; a single PUT appears whole or not at all, and a failure leaves no incomplete
 * multipart upload behind to be aborted (or to be billed until a lifecycle rule removes it). Content-MD5 lets the
 * server refuse a body damaged on the way, since no flexible checksum is sent (see `clientConfig`).
 */
import { createHash } from "node:crypto";
import { PutObjectCommand, S3Client, type S3ClientConfig, S3ServiceException } from "@aws-sdk/client-s3";
import type { ObjectWriter, PutOptions } from "./local-objects.js";

export interface S3ObjectWriterOptions {
  /** The server's base URL, e.g. `http://127.0.0.1:9000`. */
  readonly endpoint: string;
  readonly region: string;
  /** Null: the SDK's default provider chain (AWS_* environment variables, shared config files, instance roles). */
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string } | null;
  /** `<endpoint>/<bucket>/<key>` rather than `<bucket>.<endpoint host>/<key>`. */
  readonly forcePathStyle: boolean;
}

/** The SDK retries throttling (503 SlowDown) and dropped connections within one delivery attempt; beyond that the delivery loop retries. */
const maxAttempts = 3;
/** A server that does not accept the connection in this long is down. */
const connectionTimeoutMs = 10_000;
/** A request during which the socket stays silent this long has stalled (an idle limit, so a slow 128 MiB upload is not cut short). */
const socketIdleTimeoutMs = 60_000;

/**
 * A failed object write. `code` is S3's error code (`NoSuchBucket`, `AccessDenied`, …), or null when no S3 answer
 * came (connection refused, timeout, no credentials); `detail` is S3's own message, or the transport's.
 */
export class S3WriteError extends Error {
  override readonly name = "S3WriteError";

  constructor(
    readonly code: string | null,
    readonly detail: string,
    bucket: string,
    key: string,
    options: { cause: unknown },
  ) {
    super(`writing s3://${bucket}/${key} failed: ${code === null ? detail : `${code}: ${detail}`}`, options);
  }

  /** The error code Firehose reports for the failed delivery: `S3.<Code>`, or `InternalError` when S3 gave no answer. */
  get deliveryErrorCode(): string {
    return this.code === null ? "InternalError" : `S3.${this.code}`;
  }
}

export class S3ObjectWriter implements ObjectWriter {
  private readonly client: S3Client;

  constructor(options: S3ObjectWriterOptions) {
    this.client = new S3Client(clientConfig(options));
  }

  async put(bucket: string, key: string, body: Uint8Array, options: PutOptions = {}): Promise<void> {
    const contentMD5 = createHash("md5").update(body).digest("base64");
    try {
      // Firehose's objects are octet streams whatever their format (Content-Type as Amazon S3 reports them).
      await this.client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: body,
          ContentMD5: contentMD5,
          ContentType: "application/octet-stream",
          ...(options.contentEncoding == null ? {} : { ContentEncoding: options.contentEncoding }),
        }),
        options.signal === undefined ? {} : { abortSignal: options.signal },
      );
    } catch (error) {
      throw asWriteError(error, bucket, key);
    }
  }

  /** Closes the client's pooled connections; call once no put is in flight. */
  destroy(): void {
    this.client.destroy();
  }
}

function clientConfig(options: S3ObjectWriterOptions): S3ClientConfig {
  return {
    endpoint: options.endpoint,
    region: options.region,
    forcePathStyle: options.forcePathStyle,
    ...(options.credentials === null ? {} : { credentials: options.credentials }),
    // The SDK's default sends a CRC32 flexible checksum (in an aws-chunked trailer for streams) that many
    // S3-compatible servers reject or mangle; Content-MD5 is understood by all of them.
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    maxAttempts,
    requestHandler: { connectionTimeout: connectionTimeoutMs, socketTimeout: socketIdleTimeoutMs },
  };
}

function asWriteError(error: unknown, bucket: string, key: string): S3WriteError {
  if (error instanceof S3ServiceException) {
    // An error without a parseable body (say a proxy's 502) has only its HTTP status to tell.
    const unexplained = error.message === "" || error.message === "UnknownError";
    const detail = unexplained ? `HTTP status ${error.$metadata.httpStatusCode ?? "unknown"}` : error.message;
    return new S3WriteError(error.name, detail, bucket, key, { cause: error });
  }
  return new S3WriteError(null, transportDetail(error), bucket, key, { cause: error });
}

/** Node's connection errors can have an empty message (an AggregateError of one attempt per address), but they have a code. */
function transportDetail(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error.message || ((error as NodeJS.ErrnoException).code ?? error.name);
}
