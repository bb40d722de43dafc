/**
 * Firehose streams reading a Kinesis data stream (DeliveryStreamType KinesisStreamAsSource), end to end through
 * the AWS SDK v3 Kinesis and Firehose clients: every shard read, each record delivered once and in order per
 * partition key, across splits and merges and a graceful restart; LATEST at creation; AWS's refusals.
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
import { ManualClock } from "../support/clock.js";
import { firehoseClient, readObjects, roleArn } from "../support/firehose.js";
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
  await workload.put(kinesis, "events", 3);
  await first.stop();
  assert.equal((await readObjects(dir, "bucket")).size, 1, "the stop flushed what was copied");
  // An hour later, so the next object's key (its hour prefix) sorts after this one's.
  clock.advance(3_600_000);

  const second = await startServer({ inMemory: false, dataDir, limits: "off" }, clock);
  const kinesisAgain = kinesisClient(second.endpoint);
  await second.delivery.whenIdle();
  await workload.put(kinesisAgain, "events", 3);
  // Copies take the copy time as their arrival time: all are copied before the clock reaches the flush.
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
