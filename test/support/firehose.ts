import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { after } from "node:test";
import assert from "node:assert/strict";
import { type ExtendedS3DestinationConfiguration, FirehoseClient, type Processor, PutRecordBatchCommand } from "@aws-sdk/client-firehose";
import type { Settings } from "../../src/config/config.js";
import type { S3DestinationRecord } from "../../src/delivery/model.js";
import { ManualClock } from "./clock.js";
import { startServer } from "./server.js";
import { tempDir } from "./temp-dir.js";

/** A real AWS SDK v3 Firehose client for the server. */
export function firehoseClient(endpoint: string, region = "us-east-1"): FirehoseClient {
  const client = new FirehoseClient({
    endpoint,
    region,
    credentials: { accessKeyId: "AKIDFRESHET", secretAccessKey: "freshet-secret" },
    maxAttempts: 1,
  });
  after(() => client.destroy());
  return client;
}

export const roleArn = "arn:aws:iam::000000000000:role/firehose";

/** Where the pipeline tests' manual clocks start: object keys and prefixes are worded from it. */
export const pipelineStart = Date.UTC(2026, 0, 1, 13, 4, 5);

/**
 * The start of a pipeline test: a server on a manual clock at `pipelineStart`, delivering objects under a temporary
 * directory (`dir`), and a Firehose client for it.
 */
export async function startPipelineServer(settings: Partial<Settings> = {}) {
  const clock = new ManualClock(pipelineStart);
  const dir = await tempDir();
  const server = await startServer(settings, clock, undefined, dir);
  return { clock, dir, server, firehose: firehoseClient(server.endpoint) };
}

/** Every object under `<dir>/<bucket>/`, as key → bytes, keys sorted (temporary upload files left out). */
export async function readObjects(dir: string, bucket: string): Promise<Map<string, Buffer>> {
  const root = join(dir, bucket);
  const objects = new Map<string, Buffer>();
  const walk = async (path: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(path, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
      throw error;
    }
    for (const entry of entries) {
      const child = join(path, entry.name);
      if (entry.isDirectory()) await walk(child);
      else if (!entry.name.startsWith(".freshet-upload-")) objects.set(relative(root, child), await readFile(child));
    }
  };
  await walk(root);
  return new Map([...objects.entries()].sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** `count` records of `size` bytes each, every one different, so concatenations can be compared byte for byte. */
export function makeRecords(count: number, size: number, seed = 0): Buffer[] {
  return Array.from({ length: count }, (_, i) => {
    const record = Buffer.alloc(size, (i + seed) % 251);
    record.write(`record-${seed}-${i}|`);
    return record;
  });
}

/** An S3 destination as the domain keeps it, for tests below the wire: a plain bucket, 1 MiB, no interval. */
export function s3Destination(overrides: Partial<S3DestinationRecord> = {}): S3DestinationRecord {
  return {
    kind: "S3",
    extended: true,
    roleArn,
    bucketArn: "arn:aws:s3:::bucket",
    prefix: null,
    errorOutputPrefix: null,
    sizeInMBs: 1,
    intervalInSeconds: 0,
    compressionFormat: "UNCOMPRESSED",
    cloudWatchLoggingOptions: null,
    fileExtension: null,
    customTimeZone: null,
    processing: null,
    dataFormatConversion: null,
    dynamicPartitioning: null,
    sourceBackup: null,
    ...overrides,
  };
}

/** PutRecordBatch of texts (in calls of at most 500), asserting that every record was taken. */
export async function putTexts(firehose: FirehoseClient, name: string, texts: readonly string[]): Promise<void> {
  for (let i = 0; i < texts.length; i += 500) {
    const records = texts.slice(i, i + 500).map((text) => ({ Data: Buffer.from(text) }));
    const result = await firehose.send(new PutRecordBatchCommand({ DeliveryStreamName: name, Records: records }));
    assert.equal(result.FailedPutCount, 0);
  }
}

/** The JSON documents of an object of JSON lines (an error output object, or delivered JSON records). */
export function jsonLines<T = Record<string, unknown>>(body: Buffer): T[] {
  return body
    .toString("utf8")
    .trimEnd()
    .split("\n")
    .map((line) => JSON.parse(line) as T);
}

/** An ExtendedS3 configuration partitioned by `.customer_id` (MetadataExtraction), followed by `processors`. */
export function partitionedByCustomer(options: {
  prefix: string;
  errorOutputPrefix: string;
  processors?: readonly Processor[];
}): ExtendedS3DestinationConfiguration {
  return {
    RoleARN: roleArn,
    BucketARN: "arn:aws:s3:::bucket",
    BufferingHints: { SizeInMBs: 64, IntervalInSeconds: 60 },
    Prefix: options.prefix,
    ErrorOutputPrefix: options.errorOutputPrefix,
    DynamicPartitioningConfiguration: { Enabled: true },
    ProcessingConfiguration: {
      Enabled: true,
      Processors: [
        {
          Type: "MetadataExtraction",
          Parameters: [
            { ParameterName: "MetadataExtractionQuery", ParameterValue: "{customer:.customer_id}" },
            { ParameterName: "JsonParsingEngine", ParameterValue: "JQ-1.6" },
          ],
        },
        ...(options.processors ?? []),
      ],
    },
  };
}
