/**
 * JSON → Parquet end to end: a Glue table declared in `firehose.glueTables`, a stream created with
 * DataFormatConversionConfiguration (OpenX JSON in, Parquet SNAPPY out), its .parquet object read back with DuckDB,
 * a malformed record under format-conversion-failed, and DescribeDeliveryStream's echo of the configuration.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, test } from "node:test";
import { CreateDeliveryStreamCommand, DescribeDeliveryStreamCommand, PutRecordBatchCommand } from "@aws-sdk/client-firehose";
import { DuckDBInstance } from "@duckdb/node-api";
import { defaultSettings } from "../../src/config/config.js";
import { jsonLines, pipelineStart, readObjects, roleArn, startPipelineServer } from "../support/firehose.js";

const start = pipelineStart;
const timeout = 30_000;

const duckdb = await DuckDBInstance.create(":memory:");
const connection = await duckdb.connect();
after(() => connection.closeSync());

const glueTable = {
  database: "analytics",
  table: "events",
  columns: [
    { name: "id", type: "bigint" },
    { name: "name", type: "string" },
    { name: "price", type: "double" },
    { name: "active", type: "boolean" },
    { name: "tags", type: "array<string>" },
  ],
};

const conversion = {
  Enabled: true,
  SchemaConfiguration: { RoleARN: roleArn, DatabaseName: "analytics", TableName: "events", Region: "us-east-1" },
  InputFormatConfiguration: { Deserializer: { OpenXJsonSerDe: { CaseInsensitive: true } } },
  OutputFormatConfiguration: { Serializer: { ParquetSerDe: { Compression: "SNAPPY" as const } } },
};

test("JSON records become a Parquet object DuckDB reads; a malformed one goes to format-conversion-failed", { timeout }, async () => {
  const { clock, dir, server, firehose } = await startPipelineServer({
    firehose: { ...defaultSettings.firehose, glueTables: [glueTable] },
  });
  await firehose.send(
    new CreateDeliveryStreamCommand({
      DeliveryStreamName: "to-parquet",
      ExtendedS3DestinationConfiguration: {
        RoleARN: roleArn,
        BucketARN: "arn:aws:s3:::bucket",
        Prefix: "events/",
        ErrorOutputPrefix: "errors/!{firehose:error-output-type}/",
        BufferingHints: { SizeInMBs: 64, IntervalInSeconds: 60 },
        DataFormatConversionConfiguration: conversion,
      },
    }),
  );
  const described = await firehose.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: "to-parquet" }));
  const echoed = described.DeliveryStreamDescription!.Destinations![0]!.ExtendedS3DestinationDescription!.DataFormatConversionConfiguration!;
  assert.equal(echoed.Enabled, true);
  assert.deepEqual(echoed.SchemaConfiguration, conversion.SchemaConfiguration);
  assert.deepEqual(echoed.InputFormatConfiguration, conversion.InputFormatConfiguration);
  assert.equal(echoed.OutputFormatConfiguration!.Serializer!.ParquetSerDe!.Compression, "SNAPPY");

  const records = [
    { id: 1, name: "apple", price: 1.5, active: true, tags: ["fruit", "red"] },
    { ID: 2, Name: "bread", price: 2.25, active: false, tags: [] },
    { id: 3, name: null, price: 10, active: true },
  ].map((record) => JSON.stringify(record));
  const malformed = '{"id": 4, "name": "broken"';
  const put = await firehose.send(
    new PutRecordBatchCommand({ DeliveryStreamName: "to-parquet", Records: [...records.slice(0, 2), malformed, records[2]!].map((text) => ({ Data: Buffer.from(text) })) }),
  );
  assert.equal(put.FailedPutCount, 0);
  clock.advance(60_000);
  await server.delivery.whenIdle();

  const objects = await readObjects(dir, "bucket");
  const parquet = [...objects.keys()].filter((key) => key.startsWith("events/"));
  assert.equal(parquet.length, 1);
  assert.match(parquet[0]!, /^events\/2026\/01\/01\/13\/to-parquet-1-2026-01-01-13-04-05-[0-9a-f-]{36}\.parquet$/);
  const file = join(dir, "bucket", parquet[0]!);
  const types = await connection.runAndReadAll(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet('${file}'))`);
  assert.deepEqual(types.getRowObjectsJS(), [
    { column_name: "id", column_type: "BIGINT" },
    { column_name: "name", column_type: "VARCHAR" },
    { column_name: "price", column_type: "DOUBLE" },
    { column_name: "active", column_type: "BOOLEAN" },
    { column_name: "tags", column_type: "VARCHAR[]" },
  ]);
  const rows = await connection.runAndReadAll(`SELECT * FROM read_parquet('${file}') ORDER BY id`);
  assert.deepEqual(rows.getRowObjectsJS(), [
    { id: 1n, name: "apple", price: 1.5, active: true, tags: ["fruit", "red"] },
    { id: 2n, name: "bread", price: 2.25, active: false, tags: [] },
    { id: 3n, name: null, price: 10, active: true, tags: null },
  ]);
  const codecs = await connection.runAndReadAll(`SELECT DISTINCT compression FROM parquet_metadata('${file}')`);
  assert.deepEqual(codecs.getRowObjectsJS(), [{ compression: "SNAPPY" }]);

  const errors = [...objects].filter(([key]) => key.startsWith("errors/"));
  assert.equal(errors.length, 1);
  assert.match(errors[0]![0], /^errors\/format-conversion-failed\/to-parquet-1-2026-01-01-13-04-05-[0-9a-f-]{36}$/);
  const failures = jsonLines(errors[0]![1]);
  assert.equal(failures.length, 1);
  assert.deepEqual(Object.keys(failures[0]!).slice(0, 6), [
    "attemptsMade",
    "arrivalTimestamp",
    "lastErrorCode",
    "lastErrorMessage",
    "attemptEndingTimestamp",
    "rawData",
  ]);
  assert.equal(failures[0]!.arrivalTimestamp, start);
  assert.equal(Buffer.from(failures[0]!.rawData as string, "base64").toString("utf8"), malformed);
  assert.equal(failures[0]!.lastErrorCode, "DataFormatConversion.ParseError");
  assert.equal(failures[0]!.lastErrorMessage, "Encountered malformed JSON.");
  assert.deepEqual((failures[0]!.dataCatalogTable as Record<string, unknown>).tableName, "events");
});
