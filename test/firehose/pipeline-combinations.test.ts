/**
 * Pipeline stages in combination, end to end: dynamic partitioning with GZIP and with Parquet conversion, a Lambda
 * in front of an HTTP endpoint (its failures in the backup bucket), AllData with a failing endpoint, and an
 * UpdateDestination that changes the Prefix of a partitioned stream while records are buffered.
 */
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, test } from "node:test";
import { gunzipSync } from "node:zlib";
import { CreateDeliveryStreamCommand, type FirehoseClient, UpdateDestinationCommand } from "@aws-sdk/client-firehose";
import { DuckDBInstance } from "@duckdb/node-api";
import { defaultSettings, type Settings } from "../../src/config/config.js";
import { jsonLines, pipelineStart, putTexts, readObjects, roleArn, startPipelineServer } from "../support/firehose.js";
import { startLambdaFunction } from "../support/lambda-function.js";

const start = pipelineStart;
const timeout = 30_000;
const lambdaArn = "arn:aws:lambda:us-east-1:000000000000:function:transform";

const metadataExtraction = (query: string) => ({
  Type: "MetadataExtraction" as const,
  Parameters: [
    { ParameterName: "MetadataExtractionQuery" as const, ParameterValue: query },
    { ParameterName: "JsonParsingEngine" as const, ParameterValue: "JQ-1.6" },
  ],
});

async function setup(settings: Partial<Settings> = {}) {
  const { clock, dir, server, firehose } = await startPipelineServer(settings);
  const put = (name: string, texts: readonly string[]) => putTexts(firehose, name, texts);
  const flush = async () => {
    clock.advance(60_000);
    await server.delivery.whenIdle();
    return readObjects(dir, "bucket");
  };
  return { clock, dir, server, firehose, put, flush };
}

async function createPartitioned(firehose: FirehoseClient, name: string, extra: Record<string, unknown>): Promise<void> {
  await firehose.send(
    new CreateDeliveryStreamCommand({
      DeliveryStreamName: name,
      ExtendedS3DestinationConfiguration: {
        RoleARN: roleArn,
        BucketARN: "arn:aws:s3:::bucket",
        BufferingHints: { SizeInMBs: 64, IntervalInSeconds: 60 },
        Prefix: "kind=!{partitionKeyFromQuery:kind}/",
        ErrorOutputPrefix: "errors/!{firehose:error-output-type}/",
        DynamicPartitioningConfiguration: { Enabled: true },
        ProcessingConfiguration: { Enabled: true, Processors: [metadataExtraction("{kind:.kind}")] },
        ...extra,
      },
    }),
  );
}

async function startEndpoint(status: number) {
  const bodies: string[][] = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { requestId: string; records: Array<{ data: string }> };
      bodies.push(body.records.map((record) => Buffer.from(record.data, "base64").toString("utf8")));
      if (status === 200) response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ requestId: body.requestId, timestamp: 1 }));
      else response.writeHead(status).end("no");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  after(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, bodies };
}

test("dynamic partitioning with GZIP: one .gz object per partition", { timeout }, async () => {
  const { firehose, put, flush } = await setup();
  await createPartitioned(firehose, "zipped", { CompressionFormat: "GZIP" });
  await put("zipped", ['{"kind":"a","n":1}', '{"kind":"b","n":2}', '{"kind":"a","n":3}']);
  const objects = await flush();
  assert.deepEqual(
    [...objects].map(([key, body]) => [key.replace(/zipped-.*(\.gz)$/, "*$1"), gunzipSync(body).toString("utf8")]),
    [
      ["kind=a/*.gz", '{"kind":"a","n":1}{"kind":"a","n":3}'],
      ["kind=b/*.gz", '{"kind":"b","n":2}'],
    ],
  );
});

test("dynamic partitioning with Parquet conversion: one .parquet object per partition", { timeout }, async () => {
  const glueTable = { database: "db", table: "t", columns: [{ name: "kind", type: "string" }, { name: "n", type: "int" }] };
  const { dir, firehose, put, flush } = await setup({ firehose: { ...defaultSettings.firehose, glueTables: [glueTable] } });
  await createPartitioned(firehose, "columnar", {
    DataFormatConversionConfiguration: {
      SchemaConfiguration: { RoleARN: roleArn, DatabaseName: "db", TableName: "t" },
      InputFormatConfiguration: { Deserializer: { OpenXJsonSerDe: {} } },
      OutputFormatConfiguration: { Serializer: { ParquetSerDe: {} } },
    },
  });
  await put("columnar", ['{"kind":"a","n":1}', '{"kind":"b","n":2}', '{"kind":"a","n":3}', '{"kind":"b","n":"four"}']);
  const objects = await flush();
  const duckdb = await DuckDBInstance.create(":memory:");
  const connection = await duckdb.connect();
  after(() => connection.closeSync());
  const read = async (partition: string) => {
    const [key] = [...objects.keys()].filter((candidate) => candidate.startsWith(`kind=${partition}/`));
    assert.match(key!, /\.parquet$/);
    const rows = await connection.runAndReadAll(`SELECT kind, n FROM read_parquet('${join(dir, "bucket", key!)}') ORDER BY n`);
    return rows.getRowObjectsJS();
  };
  assert.deepEqual(await read("a"), [
    { kind: "a", n: 1 },
    { kind: "a", n: 3 },
  ]);
  assert.deepEqual(await read("b"), [{ kind: "b", n: 2 }]);
  const errors = [...objects].filter(([key]) => key.startsWith("errors/format-conversion-failed/"));
  assert.equal(errors.length, 1);
  assert.deepEqual(
    jsonLines(errors[0]![1]).map((failure) => Buffer.from(failure.rawData as string, "base64").toString("utf8")),
    ['{"kind":"b","n":"four"}'],
  );
});

test("a Lambda in front of an HTTP endpoint: Ok records to the endpoint, ProcessingFailed ones to the backup bucket", { timeout }, async () => {
  const lambda = await startLambdaFunction((event) => ({
    records: event.records.map(({ recordId, data }) =>
      Buffer.from(data, "base64").toString("utf8") === "bad"
        ? { recordId, result: "ProcessingFailed" as const, data }
        : { recordId, result: "Ok" as const, data: Buffer.from(`<${Buffer.from(data, "base64").toString("utf8")}>`).toString("base64") },
    ),
  }));
  const endpoint = await startEndpoint(200);
  const { firehose, put, flush } = await setup({ firehose: { ...defaultSettings.firehose, lambdaFunctions: { [lambdaArn]: lambda.url } } });
  await firehose.send(
    new CreateDeliveryStreamCommand({
      DeliveryStreamName: "lambda-http",
      HttpEndpointDestinationConfiguration: {
        EndpointConfiguration: { Url: endpoint.url },
        BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 60 },
        ProcessingConfiguration: { Enabled: true, Processors: [{ Type: "Lambda", Parameters: [{ ParameterName: "LambdaArn", ParameterValue: lambdaArn }] }] },
        S3Configuration: { RoleARN: roleArn, BucketARN: "arn:aws:s3:::bucket", ErrorOutputPrefix: "failed/!{firehose:error-output-type}/" },
      },
    }),
  );
  await put("lambda-http", ["x", "bad", "y"]);
  const objects = await flush();
  assert.deepEqual(endpoint.bodies, [["<x>", "<y>"]]);
  assert.equal(objects.size, 1);
  const [key, body] = [...objects][0]!;
  assert.match(key, /^failed\/processing-failed\/lambda-http-1-/);
  assert.deepEqual(
    jsonLines(body).map((failure) => [failure.errorCode, Buffer.from(failure.rawData as string, "base64").toString("utf8")]),
    [["Lambda.ProcessingFailedStatus", "bad"]],
  );
});

test("AllData with an endpoint that fails: every record backed up, and the failures too", { timeout }, async () => {
  const endpoint = await startEndpoint(503);
  const { firehose, put, flush } = await setup();
  await firehose.send(
    new CreateDeliveryStreamCommand({
      DeliveryStreamName: "all-failing",
      HttpEndpointDestinationConfiguration: {
        EndpointConfiguration: { Url: endpoint.url },
        BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 60 },
        RetryOptions: { DurationInSeconds: 0 },
        S3BackupMode: "AllData",
        S3Configuration: { RoleARN: roleArn, BucketARN: "arn:aws:s3:::bucket", Prefix: "all/", ErrorOutputPrefix: "failed/" },
      },
    }),
  );
  await put("all-failing", ["p\n", "q\n"]);
  const objects = await flush();
  const keys = [...objects.keys()];
  assert.equal(keys.length, 2);
  const all = keys.find((key) => key.startsWith("all/"))!;
  const failed = keys.find((key) => key.startsWith("failed/"))!;
  assert.equal(objects.get(all)!.toString("utf8"), "p\nq\n");
  assert.match(failed, /^failed\/http-endpoint-failed\/2026\/01\/01\/13\/all-failing-1-/);
  assert.equal(jsonLines(objects.get(failed)!).length, 2);
});

test("UpdateDestination of a partitioned stream's Prefix applies to what is buffered", { timeout }, async () => {
  const { firehose, put, flush } = await setup();
  await createPartitioned(firehose, "renamed", {});
  await put("renamed", ['{"kind":"a"}', '{"kind":"b"}']);
  await firehose.send(
    new UpdateDestinationCommand({
      DeliveryStreamName: "renamed",
      CurrentDeliveryStreamVersionId: "1",
      DestinationId: "destinationId-000000000001",
      ExtendedS3DestinationUpdate: { Prefix: "v2/kind=!{partitionKeyFromQuery:kind}/" },
    }),
  );
  await put("renamed", ['{"kind":"a"}']);
  const objects = await flush();
  const keys = [...objects.keys()];
  assert.ok(
    keys.every((key) => /^v2\/kind=[ab]\/renamed-2-/.test(key)),
    `every object under the new Prefix, named with the new version: ${keys.join(", ")}`,
  );
  assert.equal(keys.length, 2);
});
