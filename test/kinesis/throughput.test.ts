/** Per-shard throughput limits, answered as AWS answers them; and `--limits off` for load tests. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CreateStreamCommand, GetRecordsCommand, GetShardIteratorCommand, PutRecordCommand, PutRecordsCommand } from "@aws-sdk/client-kinesis";
import { ManualClock } from "../support/clock.js";
import { awsError, kinesisClient } from "../support/kinesis.js";
import { startServer } from "../support/server.js";

const entries = (count: number, bytes = 1) =>
  Array.from({ length: count }, (_, i) => ({ PartitionKey: `k${i % 7}`, Data: Buffer.alloc(bytes, i % 256) }));

describe("throughput limits", async () => {
  const clock = new ManualClock();
  const server = await startServer({}, clock);
  const kinesis = kinesisClient(server.endpoint);
  await kinesis.send(new CreateStreamCommand({ StreamName: "busy", ShardCount: 1 }));

  it("fails the records over 1,000 per second per shard, one by one, with AWS's message", async () => {
    const first = await kinesis.send(new PutRecordsCommand({ StreamName: "busy", Records: entries(500) }));
    assert.equal(first.FailedRecordCount, 0);
    const second = await kinesis.send(new PutRecordsCommand({ StreamName: "busy", Records: entries(500) }));
    assert.equal(second.FailedRecordCount, 0);
    const third = await kinesis.send(new PutRecordsCommand({ StreamName: "busy", Records: entries(10) }));
    assert.equal(third.FailedRecordCount, 10);
    assert.deepEqual(third.Records?.[0], {
      ErrorCode: "ProvisionedThroughputExceededException",
      ErrorMessage: "Rate exceeded for shard shardId-000000000000 in stream busy under account 000000000000.",
    });
    await awsError(kinesis.send(new PutRecordCommand({ StreamName: "busy", PartitionKey: "k", Data: Buffer.from("x") })), "ProvisionedThroughputExceededException");
    clock.advance(1000);
    assert.equal((await kinesis.send(new PutRecordsCommand({ StreamName: "busy", Records: entries(10) }))).FailedRecordCount, 0);
  });

  it("writes a partly failed PutRecords answer as compact JSON, entries in AWS's member order", async () => {
    clock.advance(1000);
    await kinesis.send(new PutRecordsCommand({ StreamName: "busy", Records: entries(500) }));
    await kinesis.send(new PutRecordsCommand({ StreamName: "busy", Records: entries(400) }));
    // 100 more fit in this second's 1,000 records; the other 400 fail.
    const response = await fetch(server.endpoint, {
      method: "POST",
      headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": "Kinesis_20131202.PutRecords" },
      body: JSON.stringify({
        StreamName: "busy",
        Records: entries(500).map((entry) => ({ PartitionKey: entry.PartitionKey, Data: entry.Data.toString("base64") })),
      }),
    });
    const text = await response.text();
    const answer = JSON.parse(text) as { FailedRecordCount: number; Records: Array<Record<string, string>>; EncryptionType: string };
    assert.equal(text, JSON.stringify(answer));
    assert.equal(answer.FailedRecordCount, 400);
    assert.deepEqual(Object.keys(answer), ["FailedRecordCount", "Records", "EncryptionType"]);
    assert.deepEqual(Object.keys(answer.Records[0]!), ["ShardId", "SequenceNumber"]);
    assert.equal(answer.Records[99]!.ShardId, "shardId-000000000000");
    assert.match(answer.Records[99]!.SequenceNumber!, /^49\d{54}$/);
    assert.deepEqual(answer.Records[100], {
      ErrorCode: "ProvisionedThroughputExceededException",
      ErrorMessage: "Rate exceeded for shard shardId-000000000000 in stream busy under account 000000000000.",
    });
    assert.equal(answer.EncryptionType, "NONE");
  });

  it("limits writes to 1 MiB per second per shard", async () => {
    clock.advance(1000);
    const big = Buffer.alloc(700 * 1024);
    await kinesis.send(new PutRecordCommand({ StreamName: "busy", PartitionKey: "k", Data: big }));
    await awsError(kinesis.send(new PutRecordCommand({ StreamName: "busy", PartitionKey: "k", Data: big })), "ProvisionedThroughputExceededException");
    clock.advance(1000);
    await kinesis.send(new PutRecordCommand({ StreamName: "busy", PartitionKey: "k", Data: big }));
  });

  it("limits GetRecords to five calls per second per shard", async () => {
    clock.advance(1000);
    const { ShardIterator } = await kinesis.send(
      new GetShardIteratorCommand({ StreamName: "busy", ShardId: "shardId-000000000000", ShardIteratorType: "LATEST" }),
    );
    for (let call = 0; call < 5; call++) await kinesis.send(new GetRecordsCommand({ ShardIterator }));
    const throttled = await awsError(kinesis.send(new GetRecordsCommand({ ShardIterator })), "ProvisionedThroughputExceededException");
    assert.match(throttled.message, /^Rate exceeded for shard shardId-000000000000 in stream busy/);
    clock.advance(1000);
    await kinesis.send(new GetRecordsCommand({ ShardIterator }));
  });
});

it("takes any rate with --limits off", async () => {
  const server = await startServer({ limits: "off" }, new ManualClock());
  const kinesis = kinesisClient(server.endpoint);
  await kinesis.send(new CreateStreamCommand({ StreamName: "firehose", ShardCount: 1 }));
  for (let i = 0; i < 5; i++) {
    assert.equal((await kinesis.send(new PutRecordsCommand({ StreamName: "firehose", Records: entries(500, 4096) }))).FailedRecordCount, 0);
  }
});
