/** Iterator expiry, AT_TIMESTAMP and retention, with the server's clock moved by the test instead of sleeping. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  IncreaseStreamRetentionPeriodCommand,
  PutRecordCommand,
} from "@aws-sdk/client-kinesis";
import { ManualClock } from "../support/clock.js";
import { awsError, kinesisClient } from "../support/kinesis.js";
import { startServer } from "../support/server.js";
import { tempDir } from "../support/temp-dir.js";

const shardId = "shardId-000000000000";
const hour = 3_600_000;

describe("time", async () => {
  const clock = new ManualClock(Date.UTC(2026, 5, 1, 12));
  const server = await startServer({ inMemory: false, dataDir: await tempDir() }, clock);
  const kinesis = kinesisClient(server.endpoint);
  const put = (stream: string, data: string) => kinesis.send(new PutRecordCommand({ StreamName: stream, PartitionKey: "k", Data: Buffer.from(data) }));
  const iterator = async (stream: string, type: "TRIM_HORIZON" | "AT_TIMESTAMP" | "LATEST", timestamp?: Date) =>
    (await kinesis.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shardId, ShardIteratorType: type, Timestamp: timestamp })))
      .ShardIterator!;
  const read = async (shardIterator: string) =>
    (await kinesis.send(new GetRecordsCommand({ ShardIterator: shardIterator }))).Records!.map((r) => Buffer.from(r.Data!).toString());

  it("expires shard iterators after five minutes, with AWS's message", async () => {
    await kinesis.send(new CreateStreamCommand({ StreamName: "expiry", ShardCount: 1 }));
    const fresh = await iterator("expiry", "TRIM_HORIZON");
    clock.advance(5 * 60_000);
    assert.deepEqual(await read(fresh), [], "still valid at exactly five minutes");
    clock.advance(1);
    const expired = await awsError(kinesis.send(new GetRecordsCommand({ ShardIterator: fresh })), "ExpiredIteratorException");
    assert.match(
      expired.message,
      /^Iterator expired\. The iterator was created at time \w{3} \w{3} \d{2} \d{2}:\d{2}:\d{2} UTC \d{4} while right now it is .* which is further in the future than the tolerated delay of 300000 milliseconds\.$/,
    );
  });

  it("rejects iterators that are not Freshet's", async () => {
    const invalid = await awsError(kinesis.send(new GetRecordsCommand({ ShardIterator: "bm90IGFuIGl0ZXJhdG9y" })), "InvalidArgumentException");
    assert.equal(invalid.message, "Invalid ShardIterator.");
  });

  it("starts AT_TIMESTAMP at the first record at or after the time", async () => {
    await kinesis.send(new CreateStreamCommand({ StreamName: "when", ShardCount: 1 }));
    const t0 = clock.now();
    await put("when", "first");
    clock.advance(1000);
    await put("when", "second");
    clock.advance(1000);
    assert.deepEqual(await read(await iterator("when", "AT_TIMESTAMP", new Date(t0))), ["first", "second"]);
    assert.deepEqual(await read(await iterator("when", "AT_TIMESTAMP", new Date(t0 + 1))), ["second"]);
    assert.deepEqual(await read(await iterator("when", "AT_TIMESTAMP", new Date(t0 + 1500))), []);
    const latest = await iterator("when", "LATEST");
    await put("when", "third");
    assert.deepEqual(await read(latest), ["third"]);
    const future = await awsError(
      kinesis.send(new GetShardIteratorCommand({ StreamName: "when", ShardId: shardId, ShardIteratorType: "AT_TIMESTAMP", Timestamp: new Date(clock.now() + 60_000) })),
      "InvalidArgumentException",
    );
    assert.match(future.message, /^The timestampInMillis parameter cannot be greater than the currentTimestampInMillis/);
  });

  it("deletes records older than the retention period", async () => {
    await kinesis.send(new CreateStreamCommand({ StreamName: "retained", ShardCount: 1 }));
    await put("retained", "day-one");
    clock.advance(23 * hour);
    await put("retained", "day-two");
    clock.advance(2 * hour);
    await server.enforceRetention();
    assert.deepEqual(await read(await iterator("retained", "TRIM_HORIZON")), ["day-two"]);

    await kinesis.send(new IncreaseStreamRetentionPeriodCommand({ StreamName: "retained", RetentionPeriodHours: 72 }));
    await put("retained", "kept-longer");
    clock.advance(48 * hour);
    await server.enforceRetention();
    assert.deepEqual(await read(await iterator("retained", "TRIM_HORIZON")), ["day-two", "kept-longer"]);
    clock.advance(48 * hour);
    await server.enforceRetention();
    assert.deepEqual(await read(await iterator("retained", "TRIM_HORIZON")), []);
  });
});

it("keeps a new stream CREATING for the create delay, not found for reads and writes until ACTIVE", async () => {
  const clock = new ManualClock();
  const server = await startServer({}, clock, { streams: { createDelayMs: 10_000 } });
  const kinesis = kinesisClient(server.endpoint);
  await kinesis.send(new CreateStreamCommand({ StreamName: "slow-start", ShardCount: 1 }));
  const status = async () =>
    (await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: "slow-start" }))).StreamDescriptionSummary!.StreamStatus;
  assert.equal(await status(), "CREATING");
  await awsError(kinesis.send(new PutRecordCommand({ StreamName: "slow-start", PartitionKey: "k", Data: Buffer.from("early") })), "ResourceNotFoundException");
  clock.advance(10_000);
  assert.equal(await status(), "ACTIVE");
  await kinesis.send(new PutRecordCommand({ StreamName: "slow-start", PartitionKey: "k", Data: Buffer.from("on time") }));
});
