/** Streams end to end through the AWS SDK v3 Kinesis client, over HTTP/2 (its default) and HTTP/1.1. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  CreateStreamCommand,
  DeleteStreamCommand,
  DescribeStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListStreamsCommand,
  PutRecordCommand,
  PutRecordsCommand,
} from "@aws-sdk/client-kinesis";
import { awsError, type HttpVersion, kinesisClient } from "../support/kinesis.js";
import { startServer } from "../support/server.js";

for (const http of ["h2", "http1"] as HttpVersion[]) {
  describe(`Kinesis basics over ${http}`, async () => {
    const server = await startServer();
    const kinesis = kinesisClient(server.endpoint, http);

    it("creates, describes, lists and deletes a stream", async () => {
      await kinesis.send(new CreateStreamCommand({ StreamName: "orders", ShardCount: 3 }));
      const { StreamDescription: description } = await kinesis.send(new DescribeStreamCommand({ StreamName: "orders" }));
      assert.equal(description?.StreamStatus, "ACTIVE");
      assert.equal(description?.StreamARN, "arn:aws:kinesis:us-east-1:000000000000:stream/orders");
      assert.equal(description?.Shards?.length, 3);
      assert.equal(description?.Shards?.[0]?.HashKeyRange?.StartingHashKey, "0");
      assert.equal(description?.Shards?.[2]?.HashKeyRange?.EndingHashKey, ((1n << 128n) - 1n).toString());
      assert.equal(description?.RetentionPeriodHours, 24);
      assert.ok(description?.StreamCreationTimestamp instanceof Date);
      assert.ok(Math.abs(description!.StreamCreationTimestamp!.getTime() - Date.now()) < 60_000);
      const { StreamDescriptionSummary: summary } = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: "orders" }));
      assert.equal(summary?.OpenShardCount, 3);
      const listed = await kinesis.send(new ListStreamsCommand({}));
      assert.deepEqual(listed.StreamNames, ["orders"]);
      assert.equal(listed.StreamSummaries?.[0]?.StreamStatus, "ACTIVE");
      await awsError(kinesis.send(new CreateStreamCommand({ StreamName: "orders", ShardCount: 1 })), "ResourceInUseException");
      await kinesis.send(new DeleteStreamCommand({ StreamName: "orders" }));
      const missing = await awsError(kinesis.send(new DescribeStreamCommand({ StreamName: "orders" })), "ResourceNotFoundException");
      assert.equal(missing.message, "Stream orders under account 000000000000 not found.");
    });

    it("puts records and reads them back in order, byte for byte", async () => {
      await kinesis.send(new CreateStreamCommand({ StreamName: "events", ShardCount: 1 }));
      const first = await kinesis.send(new PutRecordCommand({ StreamName: "events", PartitionKey: "a", Data: Buffer.from("one") }));
      assert.equal(first.ShardId, "shardId-000000000000");
      assert.match(first.SequenceNumber ?? "", /^\d{56}$/);
      const batch = await kinesis.send(
        new PutRecordsCommand({
          StreamName: "events",
          Records: [
            { PartitionKey: "b", Data: Buffer.from("two") },
            { PartitionKey: "c", Data: new Uint8Array([0, 255, 7]) },
          ],
        }),
      );
      assert.equal(batch.FailedRecordCount, 0);
      assert.equal(batch.Records?.length, 2);
      assert.ok(BigInt(batch.Records![0]!.SequenceNumber!) > BigInt(first.SequenceNumber!));
      const { ShardIterator } = await kinesis.send(
        new GetShardIteratorCommand({ StreamName: "events", ShardId: "shardId-000000000000", ShardIteratorType: "TRIM_HORIZON" }),
      );
      const read = await kinesis.send(new GetRecordsCommand({ ShardIterator }));
      assert.deepEqual(
        read.Records?.map((r) => [r.PartitionKey, Buffer.from(r.Data!).toString("hex")]),
        [
          ["a", Buffer.from("one").toString("hex")],
          ["b", Buffer.from("two").toString("hex")],
          ["c", "00ff07"],
        ],
      );
      assert.equal(read.Records?.[0]?.SequenceNumber, first.SequenceNumber);
      assert.ok(read.Records?.[0]?.ApproximateArrivalTimestamp instanceof Date);
      assert.equal(read.MillisBehindLatest, 0);
      const again = await kinesis.send(new GetRecordsCommand({ ShardIterator: read.NextShardIterator }));
      assert.deepEqual(again.Records, []);
    });

    it("answers validation problems as AWS does", async () => {
      const invalid = await awsError(kinesis.send(new CreateStreamCommand({ StreamName: "bad name!", ShardCount: 0 })), "ValidationException");
      assert.equal(
        invalid.message,
        "2 validation errors detected: Value '0' at 'shardCount' failed to satisfy constraint: Member must have value greater than or equal to 1; Value 'bad name!' at 'streamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
      );
    });
  });
}
