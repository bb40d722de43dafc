/** Record format conversion (JSON → Parquet), read back with DuckDB as an independent Parquet reader; its wire shapes. */
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, test } from "node:test";
import { DuckDBInstance } from "@duckdb/node-api";
import type { GlueTable } from "../../src/config/config.js";
import { DeliveryError } from "../../src/delivery/errors.js";
import {
  checkFormatConversion,
  convertToParquet,
  type FormatConversionSettings,
  type ParquetSerializer,
} from "../../src/delivery/formats/parquet.js";
import type { DeliveryRecord } from "../../src/delivery/pipeline.js";
import { AwsError } from "../../src/protocols/aws/errors.js";
import { parseInput } from "../../src/protocols/aws/shapes.js";
import {
  checkConversionBuffering,
  dataFormatConversionConfiguration,
  formatConversionConfigurationOf,
  formatConversionFrom,
} from "../../src/protocols/firehose/format-conversion.js";
import { tempDir } from "../support/temp-dir.js";

const duckdb = await DuckDBInstance.create(":memory:");
const connection = await duckdb.connect();
after(() => connection.closeSync());
const dir = await tempDir("freshet-parquet-");
let files = 0;

const defaultSerializer: ParquetSerializer = {
  blockSizeBytes: null,
  pageSizeBytes: null,
  compression: null,
  enableDictionaryCompression: null,
  maxPaddingBytes: null,
  writerVersion: null,
};

function openX(overrides: Partial<Extract<FormatConversionSettings["deserializer"], { serDe: "OpenXJsonSerDe" }>> = {}): FormatConversionSettings {
  return {
    schema: { roleArn: null, catalogId: null, databaseName: "db", tableName: "events", region: null, versionId: null },
    deserializer: { serDe: "OpenXJsonSerDe", caseInsensitive: null, columnToJsonKeyMappings: null, convertDotsInJsonKeysToUnderscores: null, ...overrides },
    serializer: defaultSerializer,
    streamRegion: "eu-west-1",
  };
}

function hive(timestampFormats: string[] | null): FormatConversionSettings {
  return { ...openX(), deserializer: { serDe: "HiveJsonSerDe", timestampFormats } };
}

function table(columns: Record<string, string>): GlueTable {
  return { database: "db", table: "events", columns: Object.entries(columns).map(([name, type]) => ({ name, type })) };
}

function records(...data: string[]): DeliveryRecord[] {
  return data.map((text, offset) => ({ offset, arrivedAt: 1_700_000_000_000 + offset, data: Buffer.from(text), partitionKeys: null }));
}

/** Writes the object to a file and runs `select` over it (`FILE` reads the file; `PATH` is its quoted path). */
async function query(body: Buffer | null, select = "SELECT * FROM FILE"): Promise<Record<string, unknown>[]> {
  assert.ok(body !== null, "a Parquet object was written");
  assert.equal(body.subarray(0, 4).toString(), "PAR1");
  const path = join(dir, `${files++}.parquet`);
  await writeFile(path, body);
  const reader = await connection.runAndReadAll(select.replaceAll("FILE", `read_parquet('${path}')`).replaceAll("PATH", `'${path}'`));
  return reader.getRowObjectsJson() as Record<string, unknown>[];
}

test("scalar columns: types, values, nulls, concatenated objects, case-insensitive keys, unknown keys ignored", async () => {
  const glue = table({
    name: "string",
    code: "varchar(3)",
    tiny: "tinyint",
    small: "smallint",
    count: "int",
    big: "bigint",
    ratio: "float",
    score: "double",
    price: "decimal(10,2)",
    ok: "boolean",
    day: "date",
    raw: "binary",
  });
  const { body, failed } = await convertToParquet(
    records(
      '{"NAME":"a","code":"abcdef","tiny":-5,"small":300,"count":70000,"big":9007199254740991,"ratio":1.5,"score":2.25,"price":12.345,"ok":true,"day":"2024-02-29","raw":"hi","extra":{"x":1}}',
      '{"name":"b"} {"name":"c","count":"42","ok":"FALSE","price":"-0.5"}',
    ),
    openX(),
    glue,
    0,
  );
  assert.deepEqual(failed, []);
  const types = await query(body, "SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM FILE)");
  assert.deepEqual(
    Object.fromEntries(types.map((row) => [row["column_name"], row["column_type"]])),
    {
      name: "VARCHAR",
      code: "VARCHAR",
      tiny: "TINYINT",
      small: "SMALLINT",
      count: "INTEGER",
      big: "BIGINT",
      ratio: "FLOAT",
      score: "DOUBLE",
      price: "DECIMAL(10,2)",
      ok: "BOOLEAN",
      day: "DATE",
      raw: "BLOB",
    },
  );
  const rows = await query(
    body,
    "SELECT name, code, tiny, small, count, big::VARCHAR AS big, ratio, score, price::VARCHAR AS price, ok, day::VARCHAR AS day, decode(raw) AS raw FROM FILE",
  );
  assert.deepEqual(rows, [
    { name: "a", code: "abc", tiny: -5, small: 300, count: 70000, big: "9007199254740991", ratio: 1.5, score: 2.25, price: "12.35", ok: true, day: "2024-02-29", raw: "hi" },
    { name: "b", code: null, tiny: null, small: null, count: null, big: null, ratio: null, score: null, price: null, ok: null, day: null, raw: null },
    { name: "c", code: null, tiny: null, small: null, count: 42, big: null, ratio: null, score: null, price: "-0.50", ok: false, day: null, raw: null },
  ]);
});

test("nested columns: arrays, maps and structs", async () => {
  const glue = table({ tags: "array<string>", counts: "map<string,int>", owner: "struct<id:bigint,roles:array<string>,address:struct<city:string>>" });
  const { body, failed } = await convertToParquet(
    records('{"tags":["x","y"],"counts":{"a":1,"b":2},"owner":{"ID":7,"roles":["admin"],"address":{"city":"Oslo"}}}', '{"tags":[],"owner":{}}'),
    openX(),
    glue,
    0,
  );
  assert.deepEqual(failed, []);
  const rows = await query(body, "SELECT tags, map_keys(counts) AS keys, map_values(counts) AS vals, owner.id::VARCHAR AS id, owner.roles AS roles, owner.address.city AS city FROM FILE");
  assert.deepEqual(rows, [
    { tags: ["x", "y"], keys: ["a", "b"], vals: [1, 2], id: "7", roles: ["admin"], city: "Oslo" },
    { tags: [], keys: null, vals: null, id: null, roles: null, city: null },
  ]);
});

test("timestamps: the forms the OpenX SerDe reads, as UTC", async () => {
  const glue = table({ id: "int", seen: "timestamp" });
  const { body, failed } = await convertToParquet(
    records(
      '{"id":1,"seen":"2017-02-07T15:13:01.39256Z"}',
      '{"id":2,"seen":"2017-2-7 15:13:01.14"}',
      '{"id":3,"seen":1518033528}',
      '{"id":4,"seen":1518033528123}',
      '{"id":5,"seen":1518033528.5}',
      '{"id":6,"seen":"yesterday"}',
    ),
    openX(),
    glue,
    99,
  );
  const rows = await query(body, "SELECT id, typeof(seen) AS type, strftime(seen, '%Y-%m-%d %H:%M:%S.%f') AS seen FROM FILE ORDER BY id");
  assert.deepEqual(rows, [
    { id: 1, type: "TIMESTAMP", seen: "2017-02-07 15:13:01.392560" },
    { id: 2, type: "TIMESTAMP", seen: "2017-02-07 15:13:01.140000" },
    { id: 3, type: "TIMESTAMP", seen: "2018-02-07 19:58:48.000000" },
    { id: 4, type: "TIMESTAMP", seen: "2018-02-07 19:58:48.123000" },
    { id: 5, type: "TIMESTAMP", seen: "2018-02-07 19:58:48.500000" },
  ]);
  assert.equal(failed.length, 1);
  assert.equal(failed[0]?.offset, 5);
  assert.equal(failed[0]?.errorCode, "DataFormatConversion.MalformedData");
});

test("timestamps: Hive SerDe TimestampFormats, 'millis', then java.sql.Timestamp's form; strict about numbers", async () => {
  const glue = table({ id: "int", seen: "timestamp" });
  const { body, failed } = await convertToParquet(
    records(
      '{"id":1,"seen":1518033528123}',
      '{"id":2,"seen":"07/02/2017 15:13 +0100"}',
      '{"id":3,"seen":"2017-02-07 15:13:01.5"}',
      '{"id":"4","seen":null}',
    ),
    hive(["millis", "dd/MM/yyyy HH:mm Z"]),
    glue,
    0,
  );
  const rows = await query(body, "SELECT id, strftime(seen, '%Y-%m-%d %H:%M:%S.%f') AS seen FROM FILE ORDER BY id");
  assert.deepEqual(rows, [
    { id: 1, seen: "2018-02-07 19:58:48.123000" },
    { id: 2, seen: "2017-02-07 14:13:00.000000" },
    { id: 3, seen: "2017-02-07 15:13:01.500000" },
  ]);
  assert.deepEqual(
    failed.map((f) => [f.offset, f.errorCode, f.errorMessage]),
    [[3, "DataFormatConversion.MalformedData", 'Data does not match the schema. For input string: "4"']],
  );
});

test("ParquetSerDe compression codecs and dictionary encoding", async () => {
  const glue = table({ name: "string" });
  for (const [compression, codec] of [
    [null, "SNAPPY"],
    ["SNAPPY", "SNAPPY"],
    ["GZIP", "GZIP"],
    ["UNCOMPRESSED", "UNCOMPRESSED"],
  ] as const) {
    for (const enableDictionaryCompression of [null, false]) {
      const settings = { ...openX(), serializer: { ...defaultSerializer, compression, enableDictionaryCompression } };
      const input = records(...Array.from({ length: 50 }, (_, i) => `{"name":"${i % 2 === 0 ? "same" : "other"}"}`));
      const { body } = await convertToParquet(input, settings, glue, 0);
      const [meta] = await query(body, "SELECT compression, encodings FROM parquet_metadata(PATH)");
      assert.equal(meta?.["compression"], codec);
      assert.equal(String(meta?.["encodings"]).includes("DICTIONARY"), enableDictionaryCompression === null, String(meta?.["encodings"]));
      assert.deepEqual(await query(body, "SELECT count(*)::INTEGER AS n, count(*) FILTER (name = 'same')::INTEGER AS same FROM FILE"), [{ n: 50, same: 25 }]);
    }
  }
});

test("failures: AWS's codes and messages, the dataCatalogTable block, Kinesis fields; nothing written when all fail", async () => {
  const glue = table({ count: "int" });
  const kinesis = { shardId: "shardId-000000000000", partitionKey: "k", sequenceNumber: "4967", subsequenceNumber: 2, approximateArrivalTimestamp: 1 };
  const input = records("not json", "   ", "42", '[{"count":1}]', '{"count":1.5}', '{"count":9999999999}', '{"count":1}{"count":', '{"count":{}}');
  const { body, failed } = await convertToParquet([{ ...input[0]!, kinesis }, ...input.slice(1)], openX(), glue, 1234);
  assert.equal(body, null);
  assert.deepEqual(
    failed.map((f) => [f.offset, f.errorCode, f.errorMessage]),
    [
      [0, "DataFormatConversion.ParseError", "Encountered malformed JSON."],
      [1, "DataFormatConversion.MalformedData", "The record was empty or contained only whitespace."],
      [2, "DataFormatConversion.MalformedData", "The input JSON contained a primitive at the top level. The top level must be an object or array."],
      [3, "DataFormatConversion.MalformedData", "Data does not match the schema."],
      [4, "DataFormatConversion.MalformedData", 'Data does not match the schema. For input string: "1.5"'],
      [5, "DataFormatConversion.MalformedData", 'Data does not match the schema. Value out of range. Value:"9999999999"'],
      [6, "DataFormatConversion.ParseError", "Encountered malformed JSON."],
      [7, "DataFormatConversion.MalformedData", 'Data does not match the schema. For input string: "{}"'],
    ],
  );
  const first = failed[0];
  assert.ok(first !== undefined);
  assert.equal(first.type, "format-conversion-failed");
  assert.equal(first.rawData.toString(), "not json");
  assert.equal(first.arrivedAt, 1_700_000_000_000);
  assert.equal(first.attemptsMade, 1);
  assert.equal(first.attemptEndingTimestamp, 1234);
  assert.deepEqual(first.details, {
    sequenceNumber: "4967",
    subSequenceNumber: 2,
    dataCatalogTable: {
      catalogId: "000000000000",
      databaseName: "db",
      tableName: "events",
      region: "eu-west-1",
      versionId: "LATEST",
      catalogArn: "arn:aws:glue:eu-west-1:000000000000:catalog",
    },
  });
  assert.deepEqual(Object.keys(failed[1]?.details ?? {}), ["dataCatalogTable"]);
});

test("OpenX SerDe options: ColumnToJsonKeyMappings, ConvertDotsInJsonKeysToUnderscores, CaseInsensitive false", async () => {
  const glue = table({ ts_raw: "string", a_b: "int", name: "string" });
  const mapped = openX({ columnToJsonKeyMappings: { ts_raw: "timestamp" }, convertDotsInJsonKeysToUnderscores: true });
  const { body } = await convertToParquet(records('{"timestamp":"t0","a.b":5,"Name":"N"}'), mapped, glue, 0);
  assert.deepEqual(await query(body, "SELECT * FROM FILE"), [{ ts_raw: "t0", a_b: 5, name: "N" }]);
  const sensitive = await convertToParquet(records('{"Name":"N","name":"n","a.b":5}'), openX({ caseInsensitive: false }), glue, 0);
  assert.deepEqual(await query(sensitive.body, "SELECT * FROM FILE"), [{ ts_raw: null, a_b: null, name: "n" }]);
});

test("create-time checks: column types that cannot be parsed, and TimestampFormats Freshet cannot read", () => {
  assert.doesNotThrow(() => checkFormatConversion(openX(), table({ a: "map<string,array<struct<x:decimal(38,10)>>>" })));
  assert.throws(
    () => checkFormatConversion(openX(), table({ a: "int", u: "uniontype<int,string>" })),
    (error: unknown) =>
      error instanceof DeliveryError &&
      error.code === "InvalidArgumentException" &&
      error.message.includes("Glue table db.events") &&
      error.message.includes("column u: uniontype is not supported"),
  );
  assert.throws(() => checkFormatConversion(openX(), table({ a: "decimal(40,2)" })), DeliveryError);
  assert.throws(
    () => checkFormatConversion(hive(["EEE, dd MMM yyyy"]), table({ a: "timestamp" })),
    (error: unknown) => error instanceof DeliveryError && error.message.includes("pattern letter 'E'"),
  );
});

test("wire: DataFormatConversionConfiguration to settings and back, as DescribeDeliveryStream echoes it", () => {
  const declared = [table({ id: "int" })];
  const wire = {
    SchemaConfiguration: { RoleARN: "arn:aws:iam::000000000000:role/glue", DatabaseName: "db", TableName: "events", VersionId: "LATEST" },
    InputFormatConfiguration: { Deserializer: { OpenXJsonSerDe: { CaseInsensitive: false, ColumnToJsonKeyMappings: { id: "ID" } } } },
    OutputFormatConfiguration: { Serializer: { ParquetSerDe: { Compression: "GZIP" as const, PageSizeBytes: 65536 } } },
  };
  const settings = formatConversionFrom(wire, declared, "us-east-1");
  assert.ok(settings !== null);
  assert.deepEqual(settings.deserializer, {
    serDe: "OpenXJsonSerDe",
    caseInsensitive: false,
    columnToJsonKeyMappings: { id: "ID" },
    convertDotsInJsonKeysToUnderscores: null,
  });
  assert.equal(settings.serializer.compression, "GZIP");
  assert.deepEqual(formatConversionConfigurationOf(settings), { ...wire, Enabled: true });
  assert.equal(formatConversionFrom({ ...wire, Enabled: false }, declared, "us-east-1"), null);
  assert.equal(formatConversionFrom(undefined, declared, "us-east-1"), null);

  const refusal = (fragment: string) => (error: unknown) =>
    error instanceof DeliveryError && error.code === "InvalidArgumentException" && error.message.includes(fragment);
  assert.throws(() => formatConversionFrom(wire, [], "us-east-1"), refusal("under firehose.glueTables in the server config"));
  assert.throws(
    () => formatConversionFrom({ ...wire, OutputFormatConfiguration: { Serializer: { OrcSerDe: {} } } }, declared, "us-east-1"),
    refusal("OrcSerDe is not supported by Freshet"),
  );
  assert.throws(
    () => formatConversionFrom({ ...wire, InputFormatConfiguration: { Deserializer: { OpenXJsonSerDe: {}, HiveJsonSerDe: {} } } }, declared, "us-east-1"),
    refusal("Exactly one of OpenXJsonSerDe and HiveJsonSerDe"),
  );
  assert.throws(() => formatConversionFrom({ Enabled: true }, declared, "us-east-1"), refusal("SchemaConfiguration is required"));
  assert.throws(() => checkConversionBuffering(5), refusal("at least 64"));
});

test("wire: the shapes' constraints, reported as Coral reports them", () => {
  const input = { type: "structure", members: { DataFormatConversionConfiguration: dataFormatConversionConfiguration } } as const;
  assert.throws(
    () =>
      parseInput(
        {
          DataFormatConversionConfiguration: {
            SchemaConfiguration: { DatabaseName: "has space" },
            OutputFormatConfiguration: { Serializer: { ParquetSerDe: { PageSizeBytes: 1024, Compression: "LZO" } } },
          },
        },
        input,
        "json",
      ),
    (error: unknown) =>
      error instanceof AwsError &&
      error.type === "ValidationException" &&
      error.message ===
        "3 validation errors detected: " +
          "Value 'has space' at 'dataFormatConversionConfiguration.schemaConfiguration.databaseName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^\\S+$; " +
          "Value '1024' at 'dataFormatConversionConfiguration.outputFormatConfiguration.serializer.parquetSerDe.pageSizeBytes' failed to satisfy constraint: Member must have value greater than or equal to 65536; " +
          "Value 'LZO' at 'dataFormatConversionConfiguration.outputFormatConfiguration.serializer.parquetSerDe.compression' failed to satisfy constraint: Member must satisfy enum value set: [UNCOMPRESSED, GZIP, SNAPPY]",
  );
});

test("long numbers keep every digit in bigint, decimal and string columns", async () => {
  const glue = table({ id: "bigint", amount: "decimal(38,2)", label: "string", approx: "double", nested: "struct<id:bigint>" });
  const { body, failed } = await convertToParquet(
    records(
      '{"id":9223372036854775807,"amount":123456789012345678901234567890.125,"label":12345678901234567890,"approx":12345678901234567890,"nested":{"id":-9223372036854775808}}',
      '{"id":9223372036854775808,"label":"-1.5e-3 \\" 98765432109876543210"}',
    ),
    openX(),
    glue,
    0,
  );
  const rows = await query(body, "SELECT id::VARCHAR AS id, amount::VARCHAR AS amount, label, approx, nested.id::VARCHAR AS nested FROM FILE");
  assert.deepEqual(rows, [
    { id: "9223372036854775807", amount: "123456789012345678901234567890.13", label: "12345678901234567890", approx: 12345678901234567000, nested: "-9223372036854775808" },
  ]);
  assert.deepEqual(
    failed.map((f) => [f.offset, f.errorMessage]),
    [[1, 'Data does not match the schema. Value out of range. Value:"9223372036854775808"']],
  );
});

test("a large buffer is written a row group per 16 MiB of JSON, every row kept in order", async () => {
  const glue = table({ id: "bigint", payload: "string" });
  const payload = "x".repeat(1000);
  const input = records(...Array.from({ length: 40_000 }, (_, id) => JSON.stringify({ id, payload })));
  const { body, failed } = await convertToParquet(input, openX(), glue, 0);
  assert.deepEqual(failed, []);
  const [groups] = await query(body, "SELECT count(DISTINCT row_group_id)::INTEGER AS n FROM parquet_metadata(PATH)");
  assert.equal(groups?.["n"], 3, "40 MB of JSON: row groups of 16 MiB, 16 MiB and the rest");
  const [summary] = await query(body, "SELECT count(*)::INTEGER AS n, min(id)::INTEGER AS first, max(id)::INTEGER AS last FROM FILE");
  assert.deepEqual(summary, { n: 40_000, first: 0, last: 39_999 });
});
