/**
 * Firehose streams reading a Kinesis data stream (DeliveryStreamType KinesisStreamAsSource), end to end through
 * the AWS SDK v3 Kinesis and Firehose clients: every shard read, each record delivered once and in order per
 * partition key, across splits and merges and a graceful restart; LATEST at creation; AWS's refusals. Then the
 * domain on memory stores, for what the wire cannot show: the copies' Kinesis metadata, records lost to the
 * source's retention while the pump was not running, and the shard reader waking on a reshard.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import {
  CreateDeliveryStreamCommand,
  DeleteDeliveryStreamCommand,
  DescribeDeliveryStreamCommand,
  type FirehoseClient,
  ListDeliveryStreamsCommand,
  PutRecordBatchCommand,
  PutRecordCommand,
} from "@aws-sdk/client-firehose";
import { CreateStreamCommand, DeleteStreamCommand, type KinesisClient, MergeShardsCommand, PutRecordsCommand } from "@aws-sdk/client-kinesis";
import { DeliveryService } from "../../src/delivery/delivery-service.js";
import { kinesisMetadataOf } from "../../src/delivery/kinesis-source.js";
import type { ObjectWriter } from "../../src/delivery/local-objects.js";
import type { DeliveryStreamRecord } from "../../src/delivery/model.js";
import { MemoryLogStore } from "../../src/storage/memory/memory-log-store.js";
import { MemoryMetadataStore } from "../../src/storage/memory/memory-metadata-store.js";
import { RecordsService } from "../../src/streams/records-service.js";
import { ShardReader } from "../../src/streams/shard-reader.js";
import { StreamCatalog } from "../../src/streams/stream-catalog.js";
import { StreamsService } from "../../src/streams/streams-service.js";
import { ManualClock } from "../support/clock.js";
import { firehoseClient, readObjects, roleArn, s3Destination } from "../support/firehose.js";
import { awsError, kinesisClient } from "../support/kinesis.js";
import { startServer } from "../support/server.js";
import { shardId, splitInHalf } from "../support/shards.js";
import { tempDir } from "../support/temp-dir.js";

const start = Date.UTC(2026, 0, 1, 13, 4, 5);
const streamArn = (name: string) => `arn:aws:kinesis:us-east-1:000000000000:stream/${name}`;
const destination = { RoleARN: roleArn, BucketARN: "arn:aws:s3:::bucket", BufferingHints: { SizeInMBs: 5, IntervalInSeconds: 60 } };
const keys = Array.from({ length: 16 }, (_, i) => `key-${i}`);

/** Records are `<key>#<n>` lines: n counts up per key across the whole test, so order per key is checkable. */
class Workload {
  private readonly next = new Map<string, number>();
  readonly sent: string[] = [];
  readonly shards = new Set<string>();

  async put(kinesis: KinesisClient, streamName: string, perKey: number): Promise<void> {
    const lines = keys.flatMap((key) => Array.from({ length: perKey }, () => this.line(key)));
    const result = await kinesis.send(
      new PutRecordsCommand({ StreamName: streamName, Records: lines.map((line) => ({ PartitionKey: line.split("#")[0]!, Data: Buffer.from(`${line}\n`) })) }),
    );
    assert.equal(result.FailedRecordCount, 0);
    for (const record of result.Records!) this.shards.add(record.ShardId!);
    this.sent.push(...lines);
  }

  private line(key: string): string {
    const n = this.next.get(key) ?? 0;
    this.next.set(key, n + 1);
    return `${key}#${n}`;
  }
}

/** Every delivered line, objects in key order (one flush in these tests writes one object). */
async function deliveredLines(dir: string): Promise<string[]> {
  const objects = await readObjects(dir, "bucket");
  return [...objects.values()].flatMap((body) => body.toString().split("\n").filter((line) => line !== ""));
}

/** Each sent line delivered exactly once, and each key's lines in the order they were put. */
function assertExactlyOnceInOrder(delivered: readonly string[], sent: readonly string[]): void {
  assert.equal(delivered.length, sent.length, "as many records delivered as put");
  assert.deepEqual([...delivered].sort(), [...sent].sort(), "every record once");
  const last = new Map<string, number>();
  for (const line of delivered) {
    const [key, n] = line.split("#") as [string, string];
    assert.ok((last.get(key) ?? -1) < Number(n), `${line} after ${key}#${last.get(key)}`);
    last.set(key, Number(n));
  }
}

async function createSourced(firehose: FirehoseClient, name: string, kinesisStream: string): Promise<void> {
  await firehose.send(
    new CreateDeliveryStreamCommand({
      DeliveryStreamName: name,
      DeliveryStreamType: "KinesisStreamAsSource",
      KinesisStreamSourceConfiguration: { KinesisStreamARN: streamArn(kinesisStream), RoleARN: roleArn },
      ExtendedS3DestinationConfiguration: destination,
    }),
  );
}

async function setup(shardCount = 2) {
  const clock = new ManualClock(start);
  const dir = await tempDir();
  const server = await startServer({ limits: "off" }, clock, undefined, dir);
  const kinesis = kinesisClient(server.endpoint);
  const firehose = firehoseClient(server.endpoint);
  await kinesis.send(new CreateStreamCommand({ StreamName: "events", ShardCount: shardCount }));
  return { clock, dir, server, kinesis, firehose };
}

test("records of every shard are delivered once, in order per key; records put before creation are not (LATEST)", { timeout: 60_000 }, async () => {
  const { clock, dir, server, kinesis, firehose } = await setup();
  const before = new Workload();
  await before.put(kinesis, "events", 2);
  clock.advance(1000);
  await createSourced(firehose, "copy", "events");

  const workload = new Workload();
  await workload.put(kinesis, "events", 5);
  await server.delivery.whenIdle();
  await workload.put(kinesis, "events", 5);
  await workload.put(kinesis, "events", 5);
  await server.delivery.whenIdle();
  assert.equal((await readObjects(dir, "bucket")).size, 0, "nothing before the buffering interval");
  clock.advance(60_000);
  await server.delivery.whenIdle();

  assert.deepEqual([...workload.shards].sort(), [shardId(0), shardId(1)], "both shards had records");
  assert.equal((await readObjects(dir, "bucket")).size, 1);
  assertExactlyOnceInOrder(await deliveredLines(dir), workload.sent);
});

test("DescribeDeliveryStream shows the source and where reading started; ListDeliveryStreams filters by type", async () => {
  const { clock, firehose } = await setup();
  clock.advance(5000);
  await createSourced(firehose, "described", "events");
  await firehose.send(new CreateDeliveryStreamCommand({ DeliveryStreamName: "direct", ExtendedS3DestinationConfiguration: destination }));
  const { DeliveryStreamDescription: description } = await firehose.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: "described" }));
  assert.equal(description?.DeliveryStreamType, "KinesisStreamAsSource");
  assert.deepEqual(description?.Source, {
    KinesisStreamSourceDescription: { KinesisStreamARN: streamArn("events"), RoleARN: roleArn, DeliveryStartTimestamp: new Date(start + 5000) },
  });
  const direct = await firehose.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: "direct" }));
  assert.equal(direct.DeliveryStreamDescription?.DeliveryStreamType, "DirectPut");
  assert.equal(direct.DeliveryStreamDescription?.Source, undefined);
  const sourced = await firehose.send(new ListDeliveryStreamsCommand({ DeliveryStreamType: "KinesisStreamAsSource" }));
  assert.deepEqual(sourced.DeliveryStreamNames, ["described"]);
  const directOnly = await firehose.send(new ListDeliveryStreamsCommand({ DeliveryStreamType: "DirectPut" }));
  assert.deepEqual(directOnly.DeliveryStreamNames, ["direct"]);
});

test("PutRecord and PutRecordBatch on it are refused as AWS refuses them", async () => {
  const { firehose } = await setup();
  await createSourced(firehose, "sourced", "events");
  const expected = "This operation is not permitted on KinesisStreamAsSource delivery stream type.";
  const single = await awsError(firehose.send(new PutRecordCommand({ DeliveryStreamName: "sourced", Record: { Data: Buffer.from("x") } })), "InvalidArgumentException");
  assert.equal(single.message, expected);
  const batch = await awsError(
    firehose.send(new PutRecordBatchCommand({ DeliveryStreamName: "sourced", Records: [{ Data: Buffer.from("x") }] })),
    "InvalidArgumentException",
  );
  assert.equal(batch.message, expected);
});

test("a missing Kinesis stream, a missing or misplaced configuration and other source types are refused", async () => {
  const { firehose } = await setup();
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [
      { DeliveryStreamType: "KinesisStreamAsSource", KinesisStreamSourceConfiguration: { KinesisStreamARN: streamArn("nowhere"), RoleARN: roleArn } },
      /^Stream nowhere under account 000000000000 not found\.$/,
    ],
    [{ DeliveryStreamType: "KinesisStreamAsSource" }, /KinesisStreamSourceConfiguration is required/],
    [{ KinesisStreamSourceConfiguration: { KinesisStreamARN: streamArn("events"), RoleARN: roleArn } }, /only allowed with DeliveryStreamType KinesisStreamAsSource/],
    [{ DeliveryStreamType: "MSKAsSource" }, /MSKAsSource is not supported/],
    [{ DeliveryStreamType: "DatabaseAsSource" }, /DatabaseAsSource is not supported/],
  ];
  for (const [input, message] of cases) {
    const error = await awsError(
      firehose.send(new CreateDeliveryStreamCommand({ DeliveryStreamName: "refused", ExtendedS3DestinationConfiguration: destination, ...input } as never)),
      "InvalidArgumentException",
    );
    assert.match(error.message, message);
  }
  assert.deepEqual((await firehose.send(new ListDeliveryStreamsCommand({}))).DeliveryStreamNames, []);
});

test("a split and a merge while records flow lose and repeat nothing, and keep each key's order", { timeout: 60_000 }, async () => {
  const { clock, dir, server, kinesis, firehose } = await setup();
  await createSourced(firehose, "resharded", "events");
  const workload = new Workload();
  await workload.put(kinesis, "events", 4);
  // No whenIdle here: the split may land before or after the pump has copied the parent's records.
  await splitInHalf(kinesis, "events", shardId(0));
  await workload.put(kinesis, "events", 4);
  await server.delivery.whenIdle();
  // The pump is parked at the ends of open shards when they close.
  await kinesis.send(new MergeShardsCommand({ StreamName: "events", ShardToMerge: shardId(3), AdjacentShardToMerge: shardId(1) }));
  await workload.put(kinesis, "events", 4);
  await splitInHalf(kinesis, "events", shardId(4));
  await workload.put(kinesis, "events", 4);
  await server.delivery.whenIdle();
  clock.advance(60_000);
  await server.delivery.whenIdle();

  for (const id of [2, 4, 5, 6].map(shardId)) assert.ok(workload.shards.has(id), `${id} had records`);
  assertExactlyOnceInOrder(await deliveredLines(dir), workload.sent);
});

test("a graceful restart resumes from the committed positions: nothing twice, nothing lost", { timeout: 60_000 }, async () => {
  const dataDir = await tempDir();
  const dir = join(dataDir, "s3");
  const clock = new ManualClock(start);
  const first = await startServer({ inMemory: false, dataDir, limits: "off" }, clock);
  const kinesis = kinesisClient(first.endpoint);
  await kinesis.send(new CreateStreamCommand({ StreamName: "events", ShardCount: 2 }));
  await createSourced(firehoseClient(first.endpoint), "durable", "events");
  const workload = new Workload();
  await workload.put(kinesis, "events", 3);
  await first.delivery.whenIdle();
  // Objects are named by their first record's Kinesis arrival time: an hour apart, the keys sort in put order.
  clock.advance(3_600_000);
  await workload.put(kinesis, "events", 3);
  await first.stop();
  assert.equal((await readObjects(dir, "bucket")).size, 1, "the stop flushed what was copied");
  // An hour later, so the next object's key (its hour prefix) sorts after this one's.
  clock.advance(3_600_000);

  const second = await startServer({ inMemory: false, dataDir, limits: "off" }, clock);
  const kinesisAgain = kinesisClient(second.endpoint);
  await second.delivery.whenIdle();
  await workload.put(kinesisAgain, "events", 3);
  await second.delivery.whenIdle();
  clock.advance(60_000);
  await second.delivery.whenIdle();
  assertExactlyOnceInOrder(await deliveredLines(dir), workload.sent);
});

test("the Kinesis stream deleted under it: the pump stops and logs, the server and the stream carry on", { timeout: 60_000 }, async () => {
  const { clock, dir, server, kinesis, firehose } = await setup();
  await createSourced(firehose, "orphan", "events");
  const workload = new Workload();
  await workload.put(kinesis, "events", 2);
  await server.delivery.whenIdle();
  await kinesis.send(new DeleteStreamCommand({ StreamName: "events" }));
  await server.delivery.whenIdle();
  assert.equal(server.delivery.sourceDeleted({ region: "us-east-1", name: "orphan" }), true);
  // A new stream under the same name is another stream: the Firehose stream does not read it.
  await kinesis.send(new CreateStreamCommand({ StreamName: "events", ShardCount: 1 }));
  await new Workload().put(kinesis, "events", 1);
  clock.advance(60_000);
  await server.delivery.whenIdle();
  assertExactlyOnceInOrder(await deliveredLines(dir), workload.sent);
  const { DeliveryStreamDescription: description } = await firehose.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: "orphan" }));
  assert.equal(description?.DeliveryStreamName, "orphan");
  await firehose.send(new DeleteDeliveryStreamCommand({ DeliveryStreamName: "orphan" }));
});

/** The Firehose and Kinesis domains on shared memory stores; `services()` makes a new DeliveryService over them. */
function domain() {
  const clock = new ManualClock(start);
  const metadata = new MemoryMetadataStore();
  const log = new MemoryLogStore(clock);
  const streams = new StreamsService(new StreamCatalog(metadata, clock), log, clock, { throughputLimits: false });
  const records = new RecordsService(streams);
  const reader = new ShardReader(streams);
  const objects: Buffer[] = [];
  const writer: ObjectWriter = { put: async (_bucket, _key, body) => void objects.push(Buffer.from(body)) };
  const errors: string[] = [];
  const services = () =>
    new DeliveryService(metadata, log, clock, writer, {
      kinesis: reader,
      onError: (_stream: DeliveryStreamRecord, error: unknown, what: string) => errors.push(`${what}: ${(error as Error).message}`),
    });
  const put = (lines: string[]) =>
    records.putRecords(
      { region: "us-east-1", name: "events" },
      lines.map((line) => ({ data: Buffer.from(`${line}\n`), partitionKey: line.split("#")[0]! })),
      (i) => `records.${i}`,
    );
  return { clock, metadata, log, streams, reader, objects, errors, services, put };
}

const s3 = s3Destination({ intervalInSeconds: 60 });
const source = { kinesisStreamArn: streamArn("events"), roleArn };
const ref = { region: "us-east-1", name: "copy" };

test("each copy carries its Kinesis record's shard, partition key, sequence number and arrival time in its log key", async () => {
  const { clock, log, streams, services, put } = domain();
  await streams.createStream({ region: "us-east-1", name: "events" }, { shardCount: 2 });
  const delivery = services();
  await delivery.start();
  const stream = await delivery.create(ref, { destination: s3, tags: {}, source });
  clock.advance(1234);
  const results = await put(["a#0", "b#0", "c#0"]);
  await delivery.whenIdle();
  const copies = (await log.read(stream.logName, 0, 0, { maxRecords: 100, maxBytes: 1 << 20 })).records;
  const expected = results.map((result, i) => {
    assert.ok(result.ok);
    return { shardId: result.shardId, partitionKey: ["a", "b", "c"][i], sequenceNumber: result.sequenceNumber, approximateArrivalTimestamp: start + 1234 };
  });
  const byShardThenSequence = (a: { sequenceNumber: string }, b: { sequenceNumber: string }) => (a.sequenceNumber < b.sequenceNumber ? -1 : 1);
  assert.deepEqual(copies.map((copy) => kinesisMetadataOf(copy.key)!).sort(byShardThenSequence), expected.sort(byShardThenSequence));
  assert.deepEqual(copies.map((copy) => copy.value.toString()).sort(), ["a#0\n", "b#0\n", "c#0\n"]);
  await delivery.stop();
});

test("records the source's retention removed before the pump read them are skipped and logged; the rest flow", async () => {
  const { clock, streams, objects, errors, services, put } = domain();
  await streams.createStream({ region: "us-east-1", name: "events" }, { shardCount: 1 });
  const before = services();
  await before.start();
  await before.create(ref, { destination: s3, tags: {}, source });
  await before.stop();
  // Records put while no pump runs, then gone by the stream's 24-hour retention before it runs again.
  await put(["k#0", "k#1"]);
  clock.advance(25 * 3_600_000);
  await streams.log.enforceRetention();
  await put(["k#2"]);
  const after = services();
  await after.start();
  await put(["k#3"]);
  await after.whenIdle();
  clock.advance(60_000);
  await after.whenIdle();
  assert.deepEqual(objects.map(String), ["k#2\nk#3\n"]);
  assert.ok(errors.some((error) => /2 records of shardId-000000000000 expired/.test(error)), errors.join("; "));
  await after.stop();
});

test("the shard reader's wait ends when a reshard closes the shard it waits on", { timeout: 10_000 }, async () => {
  const { streams, reader } = domain();
  const streamRef = { region: "us-east-1", name: "events" };
  await streams.createStream(streamRef, { shardCount: 1 });
  const stream = streams.stream(streamRef).record;
  const waiting = reader.waitForChange(stream, [{ shard: stream.shards[0]!, offset: 0 }], new AbortController().signal);
  await streams.resharding.splitShard(streamRef, shardId(0), (1n << 127n).toString());
  await waiting;
  assert.equal(streams.stream(streamRef).record.shards.length, 3);
});
