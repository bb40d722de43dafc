/**
 * Firehose processors on their own: a Lambda played by a real HTTP server, KPL aggregates built here with protobufjs
 * (and one laid out byte by byte from the KPL's format), jq metadata extraction, de-aggregation, delimiters, the
 * order processors run in, and the ProcessingConfiguration checks of the wire.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { gzipSync } from "node:zlib";
import protobuf from "protobufjs";
import { DeliveryError } from "../../src/delivery/errors.js";
import type { DeliveryRecord, KinesisRecordMetadata } from "../../src/delivery/pipeline.js";
import { buildProcessors, type ProcessingContext, runProcessors } from "../../src/delivery/processing/index.js";
import type { ProcessingSettings } from "../../src/delivery/processing/settings.js";
import {
  dynamicPartitioningConfigurationOf,
  dynamicPartitioningFrom,
  type ProcessingConfigurationInput,
  processingConfigurationOf,
  processingFrom,
} from "../../src/protocols/firehose/processing-configuration.js";
import { ManualClock } from "../support/clock.js";

const lambdaArn = "arn:aws:lambda:us-east-1:000000000000:function:transform";
const streamArn = "arn:aws:firehose:us-east-1:000000000000:deliverystream/s";
const roleArn = "arn:aws:iam::000000000000:role/firehose";

interface TransformEvent {
  invocationId: string;
  deliveryStreamArn: string;
  region: string;
  sourceKinesisStreamArn?: string;
  records: Array<{ recordId: string; approximateArrivalTimestamp: number; data: string; kinesisRecordMetadata?: Record<string, unknown> }>;
}

/** The function: each request is answered by the next scripted handler (the last one repeats). */
let handlers: Array<(event: TransformEvent, response: ServerResponse) => void> = [];
const events: TransformEvent[] = [];
let server: Server;
let lambdaUrl: string;

before(async () => {
  server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const event = JSON.parse(Buffer.concat(chunks).toString("utf8")) as TransformEvent;
      events.push(event);
      const handler = handlers.length > 1 ? handlers.shift() : handlers[0];
      (handler as (typeof handlers)[number])(event, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  lambdaUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
after(() => {
  server.closeAllConnections();
  return new Promise<void>((resolve) => server.close(() => resolve()));
});

function reply(body: unknown, status = 200) {
  return (_event: TransformEvent, response: ServerResponse) => {
    response.writeHead(status, { "content-type": "application/json" }).end(typeof body === "string" ? body : JSON.stringify(body));
  };
}

/** A function that maps each record through `transform`. */
function each(transform: (data: string, recordId: string) => Record<string, unknown>) {
  return (event: TransformEvent, response: ServerResponse) =>
    reply({ records: event.records.map((r) => ({ recordId: r.recordId, ...transform(Buffer.from(r.data, "base64").toString(), r.recordId) })) })(
      event,
      response,
    );
}

const b64 = (text: string) => Buffer.from(text).toString("base64");

function records(...datas: string[]): DeliveryRecord[] {
  return datas.map((data, i) => ({ offset: i, arrivedAt: 1_700_000_000_000 + i, data: Buffer.from(data), partitionKeys: null }));
}

function context(clock = new ManualClock(), extra: Partial<ProcessingContext> = {}): ProcessingContext {
  return { deliveryStreamArn: streamArn, region: "us-east-1", lambdaFunctions: { [lambdaArn]: lambdaUrl }, clock, ...extra };
}

function settingsOf(input: ProcessingConfigurationInput, dynamicPartitioningEnabled = false): ProcessingSettings {
  return processingFrom(input, { lambdaFunctions: { [lambdaArn]: lambdaUrl }, dynamicPartitioningEnabled, roleArn }) as ProcessingSettings;
}

function lambdaSettings(...parameters: Array<[string, string]>): ProcessingSettings {
  return settingsOf({
    Enabled: true,
    Processors: [
      {
        Type: "Lambda",
        Parameters: [["LambdaArn", lambdaArn], ...parameters].map(([name, value]) => ({ ParameterName: name, ParameterValue: value })) as never,
      },
    ],
  });
}

async function process(settings: ProcessingSettings, input: DeliveryRecord[], ctx = context()) {
  return runProcessors(buildProcessors(settings, ctx), input);
}

const texts = (delivered: DeliveryRecord[]) => delivered.map((r) => r.data.toString());

test("Lambda: the event carries AWS's fields; Ok replaces data and sets partition keys, Dropped drops, ProcessingFailed fails", { timeout: 10_000 }, async () => {
  events.length = 0;
  handlers = [
    each((data) =>
      data === "drop"
        ? { result: "Dropped" }
        : data === "bad"
          ? { result: "ProcessingFailed", data: b64(data) }
          : { result: "Ok", data: b64(data.toUpperCase()), metadata: { partitionKeys: { letter: data[0] } } },
    ),
  ];
  const clock = new ManualClock(1_800_000_000_000);
  const outcome = await process(lambdaSettings(), records("abc", "drop", "bad", "xyz"), context(clock));
  assert.deepEqual(texts(outcome.delivered), ["ABC", "XYZ"]);
  assert.deepEqual(outcome.delivered[0]?.partitionKeys, { lambda: { letter: "a" } });
  assert.equal(outcome.delivered[1]?.offset, 3);
  assert.equal(events.length, 1);
  const event = events[0] as TransformEvent;
  assert.match(event.invocationId, /^[0-9a-f-]{36}$/);
  assert.equal(event.deliveryStreamArn, streamArn);
  assert.equal(event.region, "us-east-1");
  assert.equal(event.sourceKinesisStreamArn, undefined);
  assert.deepEqual(Object.keys(event.records[0] as object), ["recordId", "approximateArrivalTimestamp", "data"]);
  assert.equal(event.records[0]?.approximateArrivalTimestamp, 1_700_000_000_000);
  assert.equal(new Set(event.records.map((r) => r.recordId)).size, 4);
  assert.deepEqual(outcome.failed, [
    {
      type: "processing-failed",
      offset: 2,
      arrivedAt: 1_700_000_000_002,
      rawData: Buffer.from("bad"),
      errorCode: "Lambda.ProcessingFailedStatus",
      errorMessage: "ProcessingFailed status set for record",
      attemptsMade: 1,
      attemptEndingTimestamp: 1_800_000_000_000,
      details: { lambdaARN: lambdaArn },
    },
  ]);
});

test("Lambda: a Kinesis source's event names the stream and gives each record's Kinesis metadata", { timeout: 10_000 }, async () => {
  events.length = 0;
  handlers = [each((data) => ({ result: "Ok", data: b64(data) }))];
  const kinesis: KinesisRecordMetadata = {
    shardId: "shardId-000000000001",
    partitionKey: "pk",
    sequenceNumber: "49590338271490256608559692538361571095921575989136588898",
    approximateArrivalTimestamp: 1_700_000_000_000,
  };
  const sourceKinesisStreamArn = "arn:aws:kinesis:us-east-1:000000000000:stream/source";
  const [record] = records("plain");
  await process(lambdaSettings(), [{ ...(record as DeliveryRecord), kinesis }], context(new ManualClock(), { sourceKinesisStreamArn }));
  const event = events[0] as TransformEvent;
  assert.equal(event.sourceKinesisStreamArn, sourceKinesisStreamArn);
  assert.deepEqual(event.records[0]?.kinesisRecordMetadata, {
    shardId: "shardId-000000000001",
    partitionKey: "pk",
    approximateArrivalTimestamp: 1_700_000_000_000,
    sequenceNumber: "49590338271490256608559692538361571095921575989136588898",
    subsequenceNumber: 0,
  });
});

test("Lambda: a reply is judged record by record: records not returned, returned twice or without data fail alone", { timeout: 10_000 }, async () => {
  events.length = 0;
  handlers = [
    (event, response) => {
      const [a, b, c, d] = event.records.map((r) => r.recordId);
      reply({
        records: [
          { recordId: a, result: "Ok", data: b64("A") },
          { recordId: b, result: "Ok", data: b64("B1") },
          { recordId: b, result: "Ok", data: b64("B2") },
          { recordId: d, result: "Ok" },
          { recordId: "never-sent", result: "Ok", data: b64("?") },
          { result: "Ok", data: b64("no id") },
        ],
      })(event, response);
      void c;
    },
  ];
  const outcome = await process(lambdaSettings(), records("a", "b", "c", "d"));
  assert.equal(events.length, 1, "a reply is final, however wrong");
  assert.deepEqual(texts(outcome.delivered), ["A"]);
  assert.deepEqual(
    outcome.failed.map((f) => [f.rawData.toString(), f.errorCode, f.attemptsMade]),
    [
      ["b", "Lambda.DuplicatedRecordId", 1],
      ["c", "Lambda.MissingRecordId", 1],
      ["d", "Lambda.InvalidReturnFormat", 1],
    ],
  );
  assert.equal(outcome.failed[1]?.errorMessage, "One or more record Ids were not returned. Ensure that the Lambda function returns all received record Ids.");

  handlers = [reply({ something: "else" })];
  const noRecords = await process(lambdaSettings(), records("a", "b"));
  assert.deepEqual(noRecords.failed.map((f) => f.errorCode), ["Lambda.MissingRecordId", "Lambda.MissingRecordId"]);

  handlers = [reply("this is not json")];
  const garbled = await process(lambdaSettings(), records("a"));
  assert.equal(garbled.failed[0]?.errorCode, "Lambda.JsonProcessingException");
  assert.equal(garbled.failed[0]?.attemptsMade, 1);
});

test("Lambda: a failed invocation is retried, and succeeds within NumberOfRetries", { timeout: 10_000 }, async () => {
  events.length = 0;
  handlers = [reply({ errorMessage: "boom" }, 500), reply("", 502), each((data) => ({ result: "Ok", data: b64(`${data}!`) }))];
  const outcome = await process(lambdaSettings(["NumberOfRetries", "2"]), records("a", "b"));
  assert.deepEqual(texts(outcome.delivered), ["a!", "b!"]);
  assert.deepEqual(outcome.failed, []);
  assert.equal(events.length, 3);
  assert.equal(new Set(events.map((e) => e.invocationId)).size, 3, "each attempt is a new invocation");
  assert.deepEqual(events[0]?.records.map((r) => r.recordId), events[2]?.records.map((r) => r.recordId), "record ids are stable");
});

test("Lambda: an invocation that keeps failing makes every record processing-failed after 1 + NumberOfRetries attempts", { timeout: 10_000 }, async () => {
  events.length = 0;
  handlers = [reply({ errorMessage: "boom" }, 500)];
  const clock = new ManualClock(1_900_000_000_000);
  const outcome = await process(lambdaSettings(), records("a", "b"), context(clock));
  assert.equal(events.length, 4, "the default is 3 retries");
  assert.deepEqual(outcome.delivered, []);
  assert.deepEqual(outcome.failed[1], {
    type: "processing-failed",
    offset: 1,
    arrivedAt: 1_700_000_000_001,
    rawData: Buffer.from("b"),
    errorCode: "Lambda.FunctionError",
    errorMessage: "The Lambda function was successfully invoked but it returned an error result.",
    attemptsMade: 4,
    attemptEndingTimestamp: 1_900_000_000_000,
    details: { lambdaARN: lambdaArn },
  });
});

test("Lambda: a function nobody answers for fails its records after the retries", { timeout: 10_000 }, async () => {
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
  const deadUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/`;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  const ctx = context(new ManualClock(), { lambdaFunctions: { [lambdaArn]: deadUrl } });
  const outcome = await process(lambdaSettings(["NumberOfRetries", "1"]), records("a"), ctx);
  assert.equal(outcome.failed[0]?.attemptsMade, 2);
  assert.equal(outcome.failed[0]?.errorCode, "Lambda.FunctionError");
  assert.match(outcome.failed[0]?.errorMessage ?? "", /could not be reached/);
});

test("Lambda: a function the settings no longer map fails its records (Lambda.ResourceNotFound)", { timeout: 10_000 }, async () => {
  const outcome = await process(lambdaSettings(), records("a"), context(new ManualClock(), { lambdaFunctions: {} }));
  assert.deepEqual(outcome.failed.map((f) => [f.errorCode, f.attemptsMade]), [["Lambda.ResourceNotFound", 1]]);
});

test("Lambda: batches hold at most BufferSizeInMBs of data; a qualified ARN uses its function's URL", { timeout: 10_000 }, async () => {
  events.length = 0;
  handlers = [each((data) => ({ result: "Ok", data: b64(data) }))];
  const qualified = `${lambdaArn}:$LATEST`;
  const settings = settingsOf({
    Enabled: true,
    Processors: [
      {
        Type: "Lambda",
        Parameters: [
          { ParameterName: "LambdaArn", ParameterValue: qualified },
          { ParameterName: "BufferSizeInMBs", ParameterValue: "0.2" },
          { ParameterName: "BufferIntervalInSeconds", ParameterValue: "60" },
        ],
      },
    ],
  });
  const big = "x".repeat(80 * 1024);
  const outcome = await process(settings, records(big, big, big, big, big));
  assert.equal(outcome.delivered.length, 5);
  assert.deepEqual(events.map((e) => e.records.length), [2, 2, 1]);
});

/** A KPL aggregate: magic, AggregatedRecord, MD5 of the AggregatedRecord. Types declared here, independently. */
const kplRoot = protobuf.Root.fromJSON({
  nested: {
    AggregatedRecord: {
      fields: {
        partition_key_table: { rule: "repeated", type: "string", id: 1 },
        explicit_hash_key_table: { rule: "repeated", type: "string", id: 2 },
        records: { rule: "repeated", type: "Record", id: 3 },
      },
    },
    Tag: { fields: { key: { rule: "required", type: "string", id: 1 }, value: { type: "string", id: 2 } } },
    Record: {
      fields: {
        partition_key_index: { rule: "required", type: "uint64", id: 1 },
        explicit_hash_key_index: { type: "uint64", id: 2 },
        data: { rule: "required", type: "bytes", id: 3 },
        tags: { rule: "repeated", type: "Tag", id: 4 },
      },
    },
  },
});

function kplAggregate(message: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([0xf3, 0x89, 0x9a, 0xc2]), message, createHash("md5").update(message).digest()]);
}

const kinesisRecord = (data: Buffer, offset = 0): DeliveryRecord => ({
  offset,
  arrivedAt: 1_700_000_000_000,
  data,
  partitionKeys: null,
  kinesis: { shardId: "shardId-000000000000", partitionKey: "outer", sequenceNumber: "42", approximateArrivalTimestamp: 1_700_000_000_000 },
});

test("KPL aggregates from a Kinesis source are split into their user records before any processor", { timeout: 10_000 }, async () => {
  const type = kplRoot.lookupType("AggregatedRecord");
  const message = type
    .encode(
      type.fromObject({
        partition_key_table: ["alpha", "beta"],
        explicit_hash_key_table: ["123"],
        records: [
          { partition_key_index: 0, data: Buffer.from("one") },
          { partition_key_index: 1, explicit_hash_key_index: 0, data: Buffer.from("two"), tags: [{ key: "k", value: "v" }] },
          { partition_key_index: 0, data: Buffer.from("three") },
        ],
      }),
    )
    .finish();
  const corrupt = kplAggregate(message);
  corrupt.writeUInt8((corrupt.at(-1) as number) ^ 0xff, corrupt.length - 1);
  const ctx = context(new ManualClock(), { sourceKinesisStreamArn: "arn:aws:kinesis:us-east-1:000000000000:stream/k" });
  const outcome = await runProcessors(buildProcessors(null, ctx), [
    kinesisRecord(kplAggregate(message), 0),
    kinesisRecord(Buffer.from("not aggregated"), 1),
    kinesisRecord(corrupt, 2),
  ]);
  assert.deepEqual(texts(outcome.delivered).slice(0, 4), ["one", "two", "three", "not aggregated"]);
  assert.deepEqual(
    outcome.delivered.slice(0, 3).map((r) => [r.offset, r.kinesis?.partitionKey, r.kinesis?.subsequenceNumber, r.kinesis?.sequenceNumber]),
    [
      [0, "alpha", 0, "42"],
      [0, "beta", 1, "42"],
      [0, "alpha", 2, "42"],
    ],
  );
  assert.ok(outcome.delivered[4]?.data.equals(corrupt), "a corrupt aggregate passes whole");
  assert.deepEqual(buildProcessors(null, context()), [], "a DirectPut stream without processing has no stages");
});

test("KPL: an aggregate laid out by hand from the format matches", { timeout: 10_000 }, async () => {
  // AggregatedRecord { partition_key_table: ["pk"], records: [{partition_key_index: 0, data: "hi"}] } in protobuf:
  // field 1 (string) "pk": 0a 02 70 6b; field 3 (message, 6 bytes): 1a 06 { field 1 varint 0: 08 00; field 3 "hi": 1a 02 68 69 }
  const message = Buffer.from([0x0a, 0x02, 0x70, 0x6b, 0x1a, 0x06, 0x08, 0x00, 0x1a, 0x02, 0x68, 0x69]);
  const ctx = context(new ManualClock(), { sourceKinesisStreamArn: "arn:aws:kinesis:us-east-1:000000000000:stream/k" });
  const outcome = await runProcessors(buildProcessors(null, ctx), [kinesisRecord(kplAggregate(message))]);
  assert.deepEqual(texts(outcome.delivered), ["hi"]);
  assert.equal(outcome.delivered[0]?.kinesis?.partitionKey, "pk");
});

const metadataExtraction = (query: string): ProcessingConfigurationInput["Processors"] & object => [
  {
    Type: "MetadataExtraction",
    Parameters: [
      { ParameterName: "MetadataExtractionQuery", ParameterValue: query },
      { ParameterName: "JsonParsingEngine", ParameterValue: "JQ-1.6" },
    ],
  },
];

test("MetadataExtraction: jq gives each record's partition keys; a record that fails, fails alone", { timeout: 30_000 }, async () => {
  const settings = settingsOf({ Enabled: true, Processors: metadataExtraction('{customer_id: .customer_id, year: .ts | strftime("%Y"), n: .n}') }, true);
  const outcome = await process(
    settings,
    records(
      '{"customer_id":"c1","ts":1565382027,"n":7}',
      "not json at all",
      '{"customer_id":"c2","ts":"oops","n":1}',
      '{"ts":1565382027,"n":2}',
      '{"customer_id":{"nested":true},"ts":1565382027,"n":3}',
      '{"customer_id":"c3","ts":1600000000,"n":1.5}',
    ),
  );
  assert.deepEqual(
    outcome.delivered.map((r) => [r.offset, r.partitionKeys]),
    [
      [0, { query: { customer_id: "c1", year: "2019", n: "7" } }],
      [5, { query: { customer_id: "c3", year: "2020", n: "1.5" } }],
    ],
  );
  assert.deepEqual(
    outcome.failed.map((f) => [f.offset, f.type, f.errorCode]),
    [1, 2, 3, 4].map((offset) => [offset, "partitioning-failed", "DynamicPartitioning.MetadataExtractionFailed"]),
  );
  assert.equal(outcome.failed[0]?.errorMessage, "Non JSON record provided");
  assert.match(outcome.failed[2]?.errorMessage ?? "", /customer_id is null or missing/);
  assert.ok(outcome.failed[0]?.rawData.equals(Buffer.from("not json at all")));
});

test("MetadataExtraction: a query that gives no object, or does not compile, fails the records", { timeout: 30_000 }, async () => {
  const notAnObject = await process(settingsOf({ Enabled: true, Processors: metadataExtraction(".customer_id") }, true), records('{"customer_id":"c"}'));
  assert.equal(notAnObject.failed.length, 1);
  const broken = await process(settingsOf({ Enabled: true, Processors: metadataExtraction("{a: .a") }, true), records('{"a":1}', '{"a":2}'));
  assert.deepEqual(broken.failed.map((f) => f.errorCode), ["DynamicPartitioning.MetadataExtractionFailed", "DynamicPartitioning.MetadataExtractionFailed"]);
});

test("RecordDeAggregation splits JSON objects and delimited records; AppendDelimiterToRecord appends", { timeout: 30_000 }, async () => {
  const json = settingsOf(
    {
      Enabled: true,
      Processors: [
        { Type: "AppendDelimiterToRecord" },
        { Type: "RecordDeAggregation", Parameters: [{ ParameterName: "SubRecordType", ParameterValue: "JSON" }] },
        ...metadataExtraction("{a: .a}"),
      ],
    },
    true,
  );
  const outcome = await process(json, records('{"a":1}{"a":"}{"}\n{"a":3}', '[{"a":1},{"a":2}]'));
  assert.deepEqual(texts(outcome.delivered), ['{"a":1}\n', '{"a":"}{"}\n', '{"a":3}\n']);
  assert.deepEqual(outcome.delivered.map((r) => r.partitionKeys), [{ query: { a: "1" } }, { query: { a: "}{" } }, { query: { a: "3" } }]);
  assert.equal(outcome.failed.length, 1, "an array is not split, and is not an object jq can key");

  const delimited = settingsOf(
    {
      Enabled: true,
      Processors: [
        {
          Type: "RecordDeAggregation",
          Parameters: [
            { ParameterName: "SubRecordType", ParameterValue: "DELIMITED" },
            { ParameterName: "Delimiter", ParameterValue: "IyMjIw==" },
          ],
        },
        ...metadataExtraction("{a: .a}"),
        { Type: "AppendDelimiterToRecord", Parameters: [{ ParameterName: "Delimiter", ParameterValue: b64("|") }] },
      ],
    },
    true,
  );
  const split = await process(delimited, records('{"a":1}####{"a":2}####'));
  assert.deepEqual(texts(split.delivered), ['{"a":1}|', '{"a":2}|']);

  const many = Array.from({ length: 501 }, (_, i) => `{"a":${i}}`).join("");
  const whole = await process(json, records(many));
  assert.equal(whole.failed.length, 1, "more than 500 sub-records: the record passes whole, and is not one JSON value");
});

test("processors run in Firehose's order whatever order they are listed in: de-aggregation, Lambda, metadata extraction, delimiter", { timeout: 30_000 }, async () => {
  events.length = 0;
  handlers = [each((data) => ({ result: "Ok", data: b64(JSON.stringify({ ...JSON.parse(data), seen: true })), metadata: { partitionKeys: { fromLambda: "yes" } } }))];
  const settings = settingsOf(
    {
      Enabled: true,
      Processors: [
        { Type: "AppendDelimiterToRecord" },
        ...metadataExtraction("{seen: .seen}"),
        { Type: "Lambda", Parameters: [{ ParameterName: "LambdaArn", ParameterValue: lambdaArn }] },
        { Type: "RecordDeAggregation", Parameters: [{ ParameterName: "SubRecordType", ParameterValue: "JSON" }] },
      ],
    },
    true,
  );
  const outcome = await process(settings, records('{"a":1}{"a":2}'));
  assert.deepEqual(events[0]?.records.map((r) => Buffer.from(r.data, "base64").toString()), ['{"a":1}', '{"a":2}']);
  assert.deepEqual(texts(outcome.delivered), ['{"a":1,"seen":true}\n', '{"a":2,"seen":true}\n']);
  assert.deepEqual(outcome.delivered[0]?.partitionKeys, { lambda: { fromLambda: "yes" }, query: { seen: "true" } });
});

test("Decompression and CloudWatchLogProcessing unwrap a CloudWatch Logs subscription's records", { timeout: 10_000 }, async () => {
  const settings = settingsOf({
    Enabled: true,
    Processors: [
      { Type: "CloudWatchLogProcessing", Parameters: [{ ParameterName: "DataMessageExtraction", ParameterValue: "true" }] },
      { Type: "Decompression", Parameters: [{ ParameterName: "CompressionFormat", ParameterValue: "GZIP" }] },
    ],
  });
  const data = gzipSync(JSON.stringify({ messageType: "DATA_MESSAGE", logGroup: "g", logEvents: [{ id: "1", timestamp: 1, message: "first" }, { id: "2", timestamp: 2, message: "second" }] }));
  const control = gzipSync(JSON.stringify({ messageType: "CONTROL_MESSAGE", logEvents: [] }));
  const [a, b] = records("", "");
  const outcome = await process(settings, [{ ...(a as DeliveryRecord), data }, { ...(b as DeliveryRecord), data: control }]);
  assert.deepEqual(texts(outcome.delivered), ["first\nsecond\n"]);
});

test("a disabled ProcessingConfiguration runs nothing", async () => {
  const settings = settingsOf({ Enabled: false, Processors: [{ Type: "AppendDelimiterToRecord" }] });
  assert.deepEqual(buildProcessors(settings, context()), []);
});

function refusal(input: ProcessingConfigurationInput, dynamicPartitioningEnabled = false, lambdaFunctions: Record<string, string> = { [lambdaArn]: "http://x" }): string {
  try {
    processingFrom(input, { lambdaFunctions, dynamicPartitioningEnabled, roleArn });
  } catch (error) {
    assert.ok(error instanceof DeliveryError);
    assert.equal(error.code, "InvalidArgumentException");
    return error.message;
  }
  assert.fail("accepted");
}

test("ProcessingConfiguration is checked as Firehose checks it", () => {
  const lambda = (...parameters: Array<[string, string]>): ProcessingConfigurationInput => ({
    Enabled: true,
    Processors: [{ Type: "Lambda", Parameters: parameters.map(([name, value]) => ({ ParameterName: name, ParameterValue: value })) as never }],
  });
  assert.match(refusal(lambda(["LambdaArn", lambdaArn]), false, {}), /has no URL in Freshet's settings: .*firehose\.lambdaFunctions/);
  assert.equal(refusal(lambda(["NumberOfRetries", "2"])), "LambdaArn is required when Lambda processor is used.");
  assert.equal(refusal(lambda(["NumberOfRetries", "2"], ["NumberOfRetries", "3"])), "Duplicate ProcessorParameter passed to ProcessingConfiguration.");
  assert.equal(refusal(lambda(["LambdaArn", "not-an-arn"])), "Invalid lambda ARN.");
  assert.equal(refusal(lambda(["LambdaArn", `${lambdaArn.replace("transform", "bad name")}`])), "Invalid lambda ARN.");
  assert.equal(
    refusal(lambda(["LambdaArn", lambdaArn], ["BufferSizeInMBs", "2"])),
    "Both BufferSizeInMBs and BufferIntervalInSeconds are required to configure buffering for lambda processor.",
  );
  assert.match(refusal(lambda(["LambdaArn", lambdaArn], ["BufferSizeInMBs", "4"], ["BufferIntervalInSeconds", "60"])), /BufferSizeInMBs must be a number between 0.2 and 3/);
  assert.match(refusal(lambda(["LambdaArn", lambdaArn], ["BufferSizeInMBs", "1"], ["BufferIntervalInSeconds", "901"])), /BufferIntervalInSeconds/);
  assert.doesNotThrow(() => processingFrom(lambda(["LambdaArn", lambdaArn], ["NumberOfRetries", "9"]), { lambdaFunctions: { [lambdaArn]: "http://x" }, dynamicPartitioningEnabled: false, roleArn }));
  const twoLambdas: ProcessingConfigurationInput = {
    Enabled: true,
    Processors: [0, 1].map(() => ({ Type: "Lambda" as const, Parameters: [{ ParameterName: "LambdaArn" as const, ParameterValue: lambdaArn }] })),
  };
  assert.equal(refusal(twoLambdas), "Cannot have more than 1 Lambda processor.");
  assert.match(refusal({ Enabled: true, Processors: metadataExtraction(".a") }), /only supported when DynamicPartitioningConfiguration is enabled/);
  assert.match(refusal({ Enabled: true, Processors: [{ Type: "AppendDelimiterToRecord" }] }, true), /Dynamic partitioning needs partitioning keys/);
  assert.equal(
    refusal(
      {
        Enabled: true,
        Processors: [
          {
            Type: "MetadataExtraction",
            Parameters: [
              { ParameterName: "MetadataExtractionQuery", ParameterValue: "{a:.a}" },
              { ParameterName: "JsonParsingEngine", ParameterValue: "JQ-1.5" },
            ],
          },
        ],
      },
      true,
    ),
    "MetaDataExtraction JSON Parsing Engine has to be one of JQ-1.6",
  );
  assert.match(
    refusal(
      { Enabled: true, Processors: [{ Type: "RecordDeAggregation", Parameters: [{ ParameterName: "SubRecordType", ParameterValue: "DELIMITED" }] }, ...metadataExtraction(".a")] },
      true,
    ),
    /Delimiter is required when SubRecordType is DELIMITED/,
  );
});

test("DescribeDeliveryStream shows a Lambda processor's parameters with their defaults, in AWS's order, and others as given", () => {
  const input: ProcessingConfigurationInput = {
    Processors: [
      { Type: "Lambda", Parameters: [{ ParameterName: "NumberOfRetries", ParameterValue: "2" }, { ParameterName: "LambdaArn", ParameterValue: lambdaArn }] },
      { Type: "AppendDelimiterToRecord", Parameters: [{ ParameterName: "Delimiter", ParameterValue: "\\n" }] },
    ],
  };
  const settings = processingFrom(input, { lambdaFunctions: { [lambdaArn]: "http://x" }, dynamicPartitioningEnabled: false, roleArn });
  assert.deepEqual(processingConfigurationOf(settings as ProcessingSettings), {
    Enabled: false,
    Processors: [
      {
        Type: "Lambda",
        Parameters: [
          { ParameterName: "LambdaArn", ParameterValue: lambdaArn },
          { ParameterName: "NumberOfRetries", ParameterValue: "2" },
          { ParameterName: "RoleArn", ParameterValue: roleArn },
          { ParameterName: "BufferSizeInMBs", ParameterValue: "1" },
          { ParameterName: "BufferIntervalInSeconds", ParameterValue: "60" },
        ],
      },
      { Type: "AppendDelimiterToRecord", Parameters: [{ ParameterName: "Delimiter", ParameterValue: "\\n" }] },
    ],
  });
  assert.deepEqual(dynamicPartitioningConfigurationOf(dynamicPartitioningFrom({ Enabled: true }) as never), {
    RetryOptions: { DurationInSeconds: 300 },
    Enabled: true,
  });
});

test("AppendDelimiterToRecord takes the escaped text \\n as well as base64", { timeout: 10_000 }, async () => {
  const escaped = settingsOf({ Enabled: true, Processors: [{ Type: "AppendDelimiterToRecord", Parameters: [{ ParameterName: "Delimiter", ParameterValue: "\\n" }] }] });
  assert.deepEqual(texts((await process(escaped, records("x"))).delivered), ["x\n"]);
});
