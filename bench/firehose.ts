/**
 * Firehose suite: sustained PutRecordBatch ingest into a durable Freshet (fsync always, `--limits off`), delivered
 * to S3-style objects on local disk, once as GZIP'd JSON and once converted to Parquet (SNAPPY). The load generator
 * (firehose-load.ts) runs in its own process through the AWS SDK; per case, one fresh server:
 *
 *  1. PutRecordBatch of 500 JSON records of about 1 KiB, 8 calls in flight, for a fixed time after a warm-up;
 *  2. a graceful stop, which delivers what is still buffered: how long that takes is the delivery's lag;
 *  3. every delivered object read back by an independent reader (zlib for GZIP, DuckDB for Parquet), counting
 *     records against those acknowledged.
 *
 * Ingest MB/s counts record data acknowledged while measuring; delivered MB/s counts it over the whole run until
 * the last object is written (the stop included), so it shows whether delivery keeps up with ingest.
 */
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import type { CreateDeliveryStreamInput } from "@aws-sdk/client-firehose";
import { DuckDBInstance } from "@duckdb/node-api";
import { runChild } from "./lib/child.js";
import { fixed, integer, markdownTable, mebibytes, megabytesPerSecond, millis, perSecond } from "./lib/format.js";
import { summarizeLatencies } from "./lib/stats.js";
import type { IngestResult, IngestTask } from "./firehose-load.js";
import { startServer } from "./kinesis-servers.js";
import type { BenchContext, Suite, SuiteReport } from "./suite.js";

const loadScript = new URL("./firehose-load.js", import.meta.url);
const roleArn = "arn:aws:iam::000000000000:role/bench";
const bucket = "bench-lake";

const config = [
  "firehose:",
  "  glueTables:",
  "    - database: bench",
  "      table: events",
  "      columns:",
  "        - { name: id, type: bigint }",
  "        - { name: user, type: string }",
  "        - { name: event, type: string }",
  "        - { name: ts, type: timestamp }",
  "        - { name: value, type: double }",
  "        - { name: payload, type: string }",
  "",
].join("\n");

interface Case {
  readonly id: string;
  readonly label: string;
  readonly create: CreateDeliveryStreamInput;
  readonly suffix: string;
  countRecords(objects: readonly string[]): Promise<number>;
}

const cases: readonly Case[] = [
  {
    id: "gzip",
    label: "JSON → GZIP objects",
    create: {
      DeliveryStreamName: "gzip",
      ExtendedS3DestinationConfiguration: {
        RoleARN: roleArn,
        BucketARN: `arn:aws:s3:::${bucket}`,
        Prefix: "gzip/",
        CompressionFormat: "GZIP",
        BufferingHints: { SizeInMBs: 64, IntervalInSeconds: 60 },
      },
    },
    suffix: ".gz",
    countRecords: async (objects) => {
      let records = 0;
      for (const path of objects) {
        const text = gunzipSync(await readFile(path));
        for (const byte of text) if (byte === 0x0a) records++;
      }
      return records;
    },
  },
  {
    id: "parquet",
    label: "JSON → Parquet (SNAPPY)",
    create: {
      DeliveryStreamName: "parquet",
      ExtendedS3DestinationConfiguration: {
        RoleARN: roleArn,
        BucketARN: `arn:aws:s3:::${bucket}`,
        Prefix: "parquet/",
        ErrorOutputPrefix: "parquet-errors/",
        BufferingHints: { SizeInMBs: 64, IntervalInSeconds: 60 },
        DataFormatConversionConfiguration: {
          Enabled: true,
          SchemaConfiguration: { RoleARN: roleArn, DatabaseName: "bench", TableName: "events" },
          InputFormatConfiguration: { Deserializer: { OpenXJsonSerDe: {} } },
          OutputFormatConfiguration: { Serializer: { ParquetSerDe: { Compression: "SNAPPY" } } },
        },
      },
    },
    suffix: ".parquet",
    countRecords: async (objects) => {
      if (objects.length === 0) return 0;
      const db = await DuckDBInstance.create(":memory:");
      const connection = await db.connect();
      const list = objects.map((path) => `'${path.replaceAll("'", "''")}'`).join(", ");
      const result = await connection.runAndReadAll(`select count(*) as n from read_parquet([${list}])`);
      const rows = result.getRowObjects() as Array<{ n: bigint }>;
      connection.closeSync();
      return Number(rows[0]!.n);
    },
  },
];

interface CaseResult {
  readonly id: string;
  readonly label: string;
  readonly ingest: IngestResult;
  readonly stopMs: number;
  readonly objects: number;
  readonly objectBytes: number;
  readonly recordsDelivered: number;
  readonly serverPeakRssBytes: number;
  readonly serverCpuSeconds: number;
}

const modes = {
  full: { warmupMs: 2_000, durationMs: 20_000 },
  quick: { warmupMs: 200, durationMs: 2_000 },
};

export const firehoseSuite: Suite = {
  name: "firehose",
  description: "sustained PutRecordBatch ingest with GZIP and with Parquet delivery",
  async run(context: BenchContext): Promise<SuiteReport> {
    const mode = context.quick ? modes.quick : modes.full;
    const results: CaseResult[] = [];
    for (const benchCase of cases) {
      const dir = join(context.scratchDir, benchCase.id);
      await mkdir(dir, { recursive: true });
      const configFile = join(dir, "freshet.yaml");
      await writeFile(configFile, config);
      context.log(`firehose: ${benchCase.label}`);
      const server = await startServer("freshet", {
        dir: join(dir, "data"),
        nodeArgs: context.childNodeArgs(`firehose-${benchCase.id}-server`),
        freshetArgs: ["--config", configFile],
      });
      let ingest: IngestResult;
      try {
        const task: IngestTask = {
          endpoint: server.endpoint,
          create: benchCase.create,
          recordsPerCall: 500,
          recordBytes: 1024,
          concurrency: 8,
          warmupMs: mode.warmupMs,
          durationMs: mode.durationMs,
        };
        ingest = await runChild<IngestResult>(loadScript, task, ["--no-warnings", ...context.childNodeArgs(`firehose-${benchCase.id}-load`)]);
      } catch (error) {
        await server.stop();
        throw error;
      }
      const cpuBeforeStop = server.cpuSeconds();
      const memory = server.memory();
      const stopMs = await server.stop(300_000);
      const objects = await filesUnder(join(dir, "data", "s3", bucket, `${benchCase.id}/`), benchCase.suffix);
      let objectBytes = 0;
      for (const path of objects) objectBytes += (await readFile(path)).length;
      results.push({
        id: benchCase.id,
        label: benchCase.label,
        ingest,
        stopMs,
        objects: objects.length,
        objectBytes,
        recordsDelivered: await benchCase.countRecords(objects),
        serverPeakRssBytes: memory.peakRssBytes,
        serverCpuSeconds: cpuBeforeStop,
      });
    }
    return { markdown: report(results), data: results };
  },
};

async function filesUnder(dir: string, suffix: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => entry.isFile() && entry.name.endsWith(suffix)).map((entry) => join(entry.parentPath, entry.name));
}

function report(results: readonly CaseResult[]): string {
  const rows = results.map((result) => {
    const { ingest } = result;
    const latency = summarizeLatencies(ingest.latenciesMs);
    // Everything acknowledged (warm-up too) was written by the end of the stop.
    const totalBytes = ingest.totalRecords * (ingest.records === 0 ? 0 : ingest.bytes / ingest.records);
    const wholeRunMs = ingest.elapsedMs + result.stopMs;
    return [
      result.label,
      integer(perSecond(ingest.records, ingest.elapsedMs)),
      fixed(megabytesPerSecond(ingest.bytes, ingest.elapsedMs), 1),
      `${millis(latency.p50Ms)} / ${millis(latency.p99Ms)}`,
      fixed(megabytesPerSecond(totalBytes, wholeRunMs), 1),
      `${millis(result.stopMs)} ms`,
      `${integer(result.objects)} (${mebibytes(result.objectBytes)})`,
      `${integer(result.recordsDelivered)} / ${integer(ingest.totalRecords)}`,
      mebibytes(result.serverPeakRssBytes),
      ingest.errors + ingest.failedRecords === 0 ? "0" : `${ingest.errors} calls, ${ingest.failedRecords} records (${ingest.firstError ?? ""})`,
    ];
  });
  return [
    "## Firehose: PutRecordBatch ingest, 500 JSON records of ~1 KiB, 8 calls in flight",
    "",
    "Freshet durable (fsync always), `--limits off`, objects to the local delivery directory; BufferingHints 64 MiB / 60 s.",
    "Delivered MB/s spans the load and the graceful stop that writes the last buffer; delivered records are counted by an",
    "independent reader (zlib, DuckDB) against the records acknowledged (warm-up included).",
    "",
    markdownTable(
      [
        { title: "Case" },
        { title: "records/s", align: "right" },
        { title: "ingest MB/s", align: "right" },
        { title: "p50 / p99 call", align: "right" },
        { title: "delivered MB/s", align: "right" },
        { title: "stop (last flush)", align: "right" },
        { title: "objects", align: "right" },
        { title: "records delivered / acknowledged", align: "right" },
        { title: "server peak RSS", align: "right" },
        { title: "errors", align: "right" },
      ],
      rows,
    ),
  ].join("\n");
}
