import assert from "node:assert/strict";
import { test } from "node:test";
import { gunzipSync } from "node:zlib";
import {
  CreateDeliveryStreamCommand,
  DescribeDeliveryStreamCommand,
  PutRecordBatchCommand,
  PutRecordCommand,
  UpdateDestinationCommand,
} from "@aws-sdk/client-firehose";
import { makeRecords, pipelineStart, readObjects, roleArn, startPipelineServer } from "../support/firehose.js";
import { awsError } from "../support/kinesis.js";

const KiB = 1024;
const start = pipelineStart;
const keyPattern = (prefix: string, name: string, time: string, suffix = "", version = 1) =>
  new RegExp(`^${prefix}${name}-${version}-${time}-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}${suffix.replace(".", "\\.")}$`);

async function setup(name: string, destination: Record<string, unknown>) {
  const { clock, dir, server, firehose } = await startPipelineServer();
  await firehose.send(
    new CreateDeliveryStreamCommand({
      DeliveryStreamName: name,
      ExtendedS3DestinationConfiguration: { RoleARN: roleArn, BucketARN: "arn:aws:s3:::bucket", ...destination },
    }),
  );
  return { clock, dir, server, firehose };
}

test("the interval trigger: nothing before IntervalInSeconds, one object at it, named as AWS names it", async () => {
  const { clock, dir, server, firehose } = await setup("clicks", { BufferingHints: { SizeInMBs: 5, IntervalInSeconds: 60 } });
  const records = makeRecords(3, 100);
  await firehose.send(new PutRecordCommand({ DeliveryStreamName: "clicks", Record: { Data: records[0] } }));
  clock.advance(10_000);
  await firehose.send(new PutRecordBatchCommand({ DeliveryStreamName: "clicks", Records: records.slice(1).map((Data) => ({ Data })) }));
  await server.delivery.whenIdle();
  assert.equal((await readObjects(dir, "bucket")).size, 0);
  clock.advance(49_999); // 59.999 s after the first record
  await server.delivery.whenIdle();
  assert.equal((await readObjects(dir, "bucket")).size, 0);
  clock.advance(1);
  await server.delivery.whenIdle();
  const objects = await readObjects(dir, "bucket");
  assert.equal(objects.size, 1);
  const [key, body] = [...objects][0]!;
  assert.match(key, keyPattern("2026/01/01/13/", "clicks", "2026-01-01-13-04-05"));
  assert.deepEqual(body, Buffer.concat(records));
  // Nothing more to deliver: later clock moves write nothing.
  clock.advance(3_600_000);
  await server.delivery.whenIdle();
  assert.equal((await readObjects(dir, "bucket")).size, 1);
});

test("the size trigger: an object as soon as SizeInMBs is buffered, the rest at the interval", async () => {
  const { clock, dir, server, firehose } = await setup("big", { BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 900 } });
  const records = makeRecords(5, 300 * KiB);
  await firehose.send(new PutRecordBatchCommand({ DeliveryStreamName: "big", Records: records.map((Data) => ({ Data })) }));
  await server.delivery.whenIdle();
  let objects = await readObjects(dir, "bucket");
  assert.equal(objects.size, 1);
  const first = [...objects.values()][0]!;
  assert.ok(first.length >= 1024 * KiB, "the first object holds at least SizeInMBs");
  assert.deepEqual(first, Buffer.concat(records.slice(0, first.length / (300 * KiB))));
  clock.advance(900_000);
  await server.delivery.whenIdle();
  objects = await readObjects(dir, "bucket");
  assert.equal(objects.size, 2);
  assert.deepEqual(Buffer.concat([...objects.values()].sort((a, b) => b.length - a.length)), Buffer.concat(records));
});

test("IntervalInSeconds 0 delivers each acknowledged batch without waiting", async () => {
  const { dir, server, firehose } = await setup("now", { BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 0 } });
  await firehose.send(new PutRecordCommand({ DeliveryStreamName: "now", Record: { Data: Buffer.from("one") } }));
  await server.delivery.whenIdle();
  const objects = await readObjects(dir, "bucket");
  assert.deepEqual([...objects.values()], [Buffer.from("one")]);
});

test("GZIP: one gzip member per object, with the .gz suffix, that unzips to the records", async () => {
  const { clock, dir, server, firehose } = await setup("zipped", {
    CompressionFormat: "GZIP",
    Prefix: "logs/",
    BufferingHints: { SizeInMBs: 5, IntervalInSeconds: 60 },
  });
  const records = makeRecords(200, 1000);
  await firehose.send(new PutRecordBatchCommand({ DeliveryStreamName: "zipped", Records: records.map((Data) => ({ Data })) }));
  clock.advance(60_000);
  await server.delivery.whenIdle();
  const objects = await readObjects(dir, "bucket");
  assert.equal(objects.size, 1);
  const [key, body] = [...objects][0]!;
  assert.match(key, keyPattern("logs/2026/01/01/13/", "zipped", "2026-01-01-13-04-05", ".gz"));
  assert.ok(body.length < Buffer.concat(records).length);
  assert.deepEqual(gunzipSync(body), Buffer.concat(records));
});

test("CustomTimeZone: prefixes read the zone's wall clock; the object name keeps UTC", async () => {
  const { clock, dir, server, firehose } = await setup("tokyo", {
    CustomTimeZone: "Asia/Tokyo",
    Prefix: "day=!{timestamp:yyyy-MM-dd}/hour=!{timestamp:HH}/",
    ErrorOutputPrefix: "errors/",
    BufferingHints: { SizeInMBs: 5, IntervalInSeconds: 60 },
  });
  await firehose.send(new PutRecordCommand({ DeliveryStreamName: "tokyo", Record: { Data: Buffer.from("x") } }));
  clock.advance(60_000);
  await server.delivery.whenIdle();
  const [key] = [...(await readObjects(dir, "bucket")).keys()];
  // 13:04:05 UTC is 22:04:05 in Tokyo (UTC+9).
  assert.match(key!, keyPattern("day=2026-01-01/hour=22/", "tokyo", "2026-01-01-13-04-05", ""));
  const description = (await firehose.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: "tokyo" }))).DeliveryStreamDescription!;
  assert.equal(description.Destinations![0]!.ExtendedS3DestinationDescription!.CustomTimeZone, "Asia/Tokyo");
  await awsError(
    firehose.send(
      new CreateDeliveryStreamCommand({
        DeliveryStreamName: "nowhere",
        ExtendedS3DestinationConfiguration: { RoleARN: roleArn, BucketARN: "arn:aws:s3:::bucket", CustomTimeZone: "Mars/Olympus_Mons" },
      }),
    ),
    "InvalidArgumentException",
  );
});

test("Prefix expressions: !{timestamp:…} in UTC and !{firehose:random-string}; FileExtension", async () => {
  const { clock, dir, server, firehose } = await setup("custom", {
    Prefix: "year=!{timestamp:yyyy}/month=!{timestamp:MM}/!{firehose:random-string}/",
    ErrorOutputPrefix: "errors/!{firehose:error-output-type}/",
    FileExtension: ".json",
    BufferingHints: { SizeInMBs: 5, IntervalInSeconds: 0 },
  });
  await firehose.send(new PutRecordCommand({ DeliveryStreamName: "custom", Record: { Data: Buffer.from('{"a":1}\n') } }));
  clock.advance(1);
  await server.delivery.whenIdle();
  const [key] = [...(await readObjects(dir, "bucket")).keys()];
  assert.match(key!, keyPattern("year=2026/month=01/[a-z0-9]{11}/", "custom", "2026-01-01-13-04-05", ".json"));
});

test("a graceful stop writes what is buffered", async () => {
  const { dir, server, firehose } = await setup("flushed", { BufferingHints: { SizeInMBs: 128, IntervalInSeconds: 900 } });
  const records = makeRecords(10, 5000);
  await firehose.send(new PutRecordBatchCommand({ DeliveryStreamName: "flushed", Records: records.map((Data) => ({ Data })) }));
  await server.delivery.whenIdle();
  assert.equal((await readObjects(dir, "bucket")).size, 0);
  await server.stop();
  const objects = await readObjects(dir, "bucket");
  assert.deepEqual([...objects.values()], [Buffer.concat(records)]);
});

test("UpdateDestination merges the update, moves VersionId on, and objects carry the new version", async () => {
  const { clock, dir, server, firehose } = await setup("moving", { Prefix: "old/", BufferingHints: { SizeInMBs: 5, IntervalInSeconds: 60 } });
  await firehose.send(new PutRecordCommand({ DeliveryStreamName: "moving", Record: { Data: Buffer.from("v1|") } }));
  clock.advance(60_000);
  await server.delivery.whenIdle();
  clock.advance(1000);
  await firehose.send(
    new UpdateDestinationCommand({
      DeliveryStreamName: "moving",
      CurrentDeliveryStreamVersionId: "1",
      DestinationId: "destinationId-000000000001",
      ExtendedS3DestinationUpdate: { Prefix: "new/", CompressionFormat: "GZIP", BufferingHints: { IntervalInSeconds: 0 } },
    }),
  );
  const { DeliveryStreamDescription: description } = await firehose.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: "moving" }));
  assert.equal(description?.VersionId, "2");
  assert.equal(description?.LastUpdateTimestamp?.getTime(), start + 61_000);
  const s3 = description!.Destinations![0]!.ExtendedS3DestinationDescription!;
  assert.equal(s3.Prefix, "new/");
  assert.equal(s3.CompressionFormat, "GZIP");
  assert.equal(s3.BucketARN, "arn:aws:s3:::bucket", "members left out are kept");
  assert.deepEqual(s3.BufferingHints, { SizeInMBs: 5, IntervalInSeconds: 0 });

  await firehose.send(new PutRecordCommand({ DeliveryStreamName: "moving", Record: { Data: Buffer.from("v2|") } }));
  await server.delivery.whenIdle();
  const objects = await readObjects(dir, "bucket");
  const keys = [...objects.keys()];
  assert.equal(keys.length, 2);
  assert.match(keys.find((key) => key.startsWith("new/"))!, keyPattern("new/2026/01/01/13/", "moving", "2026-01-01-13-05-06", ".gz", 2));
  assert.match(keys.find((key) => key.startsWith("old/"))!, keyPattern("old/2026/01/01/13/", "moving", "2026-01-01-13-04-05"));
  assert.equal(String(gunzipSync(objects.get(keys.find((key) => key.startsWith("new/"))!)!)), "v2|");

  const stale = await awsError(
    firehose.send(
      new UpdateDestinationCommand({
        DeliveryStreamName: "moving",
        CurrentDeliveryStreamVersionId: "1",
        DestinationId: "destinationId-000000000001",
        S3DestinationUpdate: { Prefix: "x/" },
      }),
    ),
    "ConcurrentModificationException",
  );
  assert.match(stale.message, /current version id: 2/);
  await awsError(
    firehose.send(
      new UpdateDestinationCommand({
        DeliveryStreamName: "moving",
        CurrentDeliveryStreamVersionId: "2",
        DestinationId: "destinationId-000000000001",
        ExtendedS3DestinationUpdate: { DynamicPartitioningConfiguration: { Enabled: true } },
      }),
    ),
    "InvalidArgumentException",
  );
});
