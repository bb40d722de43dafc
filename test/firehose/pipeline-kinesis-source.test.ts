/**
 * A Firehose stream reading a Kinesis data stream (KinesisStreamAsSource) through processors, end to end: the
 * Lambda's transformation event names the source stream and carries each record's kinesisRecordMetadata (as the
 * Kinesis PutRecords answer gave it), and MetadataExtraction partitions what the Lambda returned; a KPL aggregate
 * arrives as its user records.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";
import { CreateDeliveryStreamCommand } from "@aws-sdk/client-firehose";
import { CreateStreamCommand, PutRecordCommand, PutRecordsCommand } from "@aws-sdk/client-kinesis";
import { defaultSettings } from "../../src/config/config.js";
import { jsonLines, pipelineStart, readObjects, roleArn, startPipelineServer } from "../support/firehose.js";
import { kinesisClient } from "../support/kinesis.js";
import { startLambdaFunction } from "../support/lambda-function.js";

const start = pipelineStart;
const lambdaArn = "arn:aws:lambda:us-east-1:000000000000:function:enrich";
const sourceArn = "arn:aws:kinesis:us-east-1:000000000000:stream/orders";

/** A server with the "orders" Kinesis stream (2 shards) and a Firehose stream reading it through the Lambda at `lambdaUrl`. */
async function setup(lambdaUrl: string) {
  const { clock, dir, server, firehose } = await startPipelineServer({
    limits: "off",
    firehose: { ...defaultSettings.firehose, lambdaFunctions: { [lambdaArn]: lambdaUrl } },
  });
  const kinesis = kinesisClient(server.endpoint);
  await kinesis.send(new CreateStreamCommand({ StreamName: "orders", ShardCount: 2 }));
  await firehose.send(
    new CreateDeliveryStreamCommand({
      DeliveryStreamName: "orders-to-s3",
      DeliveryStreamType: "KinesisStreamAsSource",
      KinesisStreamSourceConfiguration: { KinesisStreamARN: sourceArn, RoleARN: roleArn },
      ExtendedS3DestinationConfiguration: {
        RoleARN: roleArn,
        BucketARN: "arn:aws:s3:::bucket",
        BufferingHints: { SizeInMBs: 64, IntervalInSeconds: 60 },
        Prefix: "shop=!{partitionKeyFromQuery:shop}/",
        ErrorOutputPrefix: "errors/!{firehose:error-output-type}/",
        DynamicPartitioningConfiguration: { Enabled: true },
        ProcessingConfiguration: {
          Enabled: true,
          // Listed out of order: Firehose runs the Lambda before MetadataExtraction whatever the order.
          Processors: [
            {
              Type: "MetadataExtraction",
              Parameters: [
                { ParameterName: "MetadataExtractionQuery", ParameterValue: "{shop:.shop}" },
                { ParameterName: "JsonParsingEngine", ParameterValue: "JQ-1.6" },
              ],
            },
            { Type: "Lambda", Parameters: [{ ParameterName: "LambdaArn", ParameterValue: lambdaArn }] },
          ],
        },
      },
    }),
  );
  return { clock, dir, server, kinesis };
}

test("a Kinesis-sourced stream: the Lambda sees the source and Kinesis metadata, MetadataExtraction partitions its output", { timeout: 30_000 }, async () => {
  // The "function" adds the shard a record came from, so the delivered records show the Lambda ran on each.
  const lambda = await startLambdaFunction((event) => ({
    records: event.records.map(({ recordId, data, kinesisRecordMetadata }) => {
      const order = JSON.parse(Buffer.from(data, "base64").toString("utf8")) as Record<string, unknown>;
      const enriched = { ...order, shard: kinesisRecordMetadata?.["shardId"] };
      return { recordId, result: "Ok" as const, data: Buffer.from(`${JSON.stringify(enriched)}\n`).toString("base64") };
    }),
  }));
  const { clock, dir, server, kinesis } = await setup(lambda.url);
  await server.delivery.whenIdle();

  const orders = Array.from({ length: 8 }, (_, n) => ({ shop: n % 2 === 0 ? "north" : "south", n }));
  const put = await kinesis.send(
    new PutRecordsCommand({
      StreamName: "orders",
      Records: orders.map((order) => ({ PartitionKey: `customer-${order.n}`, Data: Buffer.from(JSON.stringify(order)) })),
    }),
  );
  assert.equal(put.FailedRecordCount, 0);
  // Copied and buffered first: the interval counts from the records' arrival in Kinesis.
  await server.delivery.whenIdle();
  clock.advance(60_000);
  await server.delivery.whenIdle();

  const sent = lambda.events.flatMap((event) => event.records.map((record) => ({ event, record })));
  assert.equal(sent.length, orders.length);
  for (const { event } of sent) {
    assert.equal(event.sourceKinesisStreamArn, sourceArn);
    assert.equal(event.deliveryStreamArn, "arn:aws:firehose:us-east-1:000000000000:deliverystream/orders-to-s3");
  }
  const bySequence = new Map(sent.map(({ record }) => [record.kinesisRecordMetadata?.["sequenceNumber"], record]));
  put.Records!.forEach((result, n) => {
    const record = bySequence.get(result.SequenceNumber);
    assert.ok(record, `the record with sequence number ${result.SequenceNumber} reached the Lambda`);
    assert.deepEqual(record.kinesisRecordMetadata, {
      shardId: result.ShardId,
      partitionKey: `customer-${n}`,
      approximateArrivalTimestamp: start,
      sequenceNumber: result.SequenceNumber,
      subsequenceNumber: 0,
    });
    assert.equal(record.approximateArrivalTimestamp, start);
    assert.deepEqual(JSON.parse(Buffer.from(record.data, "base64").toString("utf8")), orders[n]);
  });

  const objects = await readObjects(dir, "bucket");
  assert.deepEqual(
    [...objects.keys()].map((key) => key.split("/")[0]),
    ["shop=north", "shop=south"],
  );
  for (const [key, body] of objects) {
    const shop = key.slice("shop=".length, key.indexOf("/"));
    const lines = jsonLines<{ shop: string; n: number; shard: string }>(body);
    assert.deepEqual(lines.map((line) => line.n).sort((a, b) => a - b), orders.filter((order) => order.shop === shop).map((order) => order.n));
    for (const line of lines) assert.equal(line.shard, put.Records![line.n]!.ShardId);
  }
});

/** Protobuf by hand (every length under 128): a length-delimited field, and a varint field. */
const bytesField = (field: number, value: Buffer) => Buffer.concat([Buffer.from([(field << 3) | 2, value.length]), value]);
const varintField = (field: number, value: number) => Buffer.from([field << 3, value]);

/** A KPL aggregate (magic, AggregatedRecord, MD5 of it) of user records, each with its own partition key. */
function kplAggregate(userRecords: ReadonlyArray<{ partitionKey: string; data: string }>): Buffer {
  const message = Buffer.concat([
    ...userRecords.map(({ partitionKey }) => bytesField(1, Buffer.from(partitionKey))),
    ...userRecords.map(({ data }, i) => bytesField(3, Buffer.concat([varintField(1, i), bytesField(3, Buffer.from(data))]))),
  ]);
  return Buffer.concat([Buffer.from([0xf3, 0x89, 0x9a, 0xc2]), message, createHash("md5").update(message).digest()]);
}

test("a KPL aggregate put to Kinesis reaches the Lambda as its user records, each with its subsequence number", { timeout: 30_000 }, async () => {
  const lambda = await startLambdaFunction((event) => ({
    records: event.records.map(({ recordId, data }) => ({
      recordId,
      result: "Ok" as const,
      data: Buffer.from(`${Buffer.from(data, "base64").toString("utf8")}\n`).toString("base64"),
    })),
  }));
  const { clock, dir, server, kinesis } = await setup(lambda.url);
  await server.delivery.whenIdle();
  const userRecords = [
    { partitionKey: "pk-a", data: '{"shop":"north","n":0}' },
    { partitionKey: "pk-b", data: '{"shop":"south","n":1}' },
    { partitionKey: "pk-c", data: '{"shop":"north","n":2}' },
  ];
  const put = await kinesis.send(new PutRecordCommand({ StreamName: "orders", PartitionKey: "aggregate", Data: kplAggregate(userRecords) }));
  await server.delivery.whenIdle();
  clock.advance(60_000);
  await server.delivery.whenIdle();

  const sent = lambda.events.flatMap((event) => event.records);
  assert.deepEqual(
    sent.map((record) => [Buffer.from(record.data, "base64").toString("utf8"), record.kinesisRecordMetadata]),
    userRecords.map(({ partitionKey, data }, i) => [
      data,
      { shardId: put.ShardId, partitionKey, approximateArrivalTimestamp: start, sequenceNumber: put.SequenceNumber, subsequenceNumber: i },
    ]),
  );
  const objects = await readObjects(dir, "bucket");
  assert.deepEqual(
    [...objects].map(([key, body]) => [key.split("/")[0], body.toString("utf8")]),
    [
      ["shop=north", `${userRecords[0]!.data}\n${userRecords[2]!.data}\n`],
      ["shop=south", `${userRecords[1]!.data}\n`],
    ],
  );
});
