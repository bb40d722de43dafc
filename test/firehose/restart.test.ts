import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import {
  CreateDeliveryStreamCommand,
  DescribeDeliveryStreamCommand,
  ListTagsForDeliveryStreamCommand,
  PutRecordBatchCommand,
  PutRecordCommand,
} from "@aws-sdk/client-firehose";
import { exitOf, startCli } from "../support/cli.js";
import { ManualClock } from "../support/clock.js";
import { firehoseClient, readObjects, roleArn } from "../support/firehose.js";
import { startServer } from "../support/server.js";
import { tempDir } from "../support/temp-dir.js";

const destination = (seconds: number) => ({
  RoleARN: roleArn,
  BucketARN: "arn:aws:s3:::bucket",
  BufferingHints: { SizeInMBs: 1, IntervalInSeconds: seconds },
});

test("a restart keeps streams and checkpoints: delivered records are not written again, buffered ones are", async () => {
  const dataDir = await tempDir();
  const clock = new ManualClock();
  const first = await startServer({ inMemory: false, dataDir }, clock);
  const firehose = firehoseClient(first.endpoint);
  await firehose.send(
    new CreateDeliveryStreamCommand({
      DeliveryStreamName: "kept",
      ExtendedS3DestinationConfiguration: destination(60),
      Tags: [{ Key: "team", Value: "data" }],
    }),
  );
  await firehose.send(new PutRecordCommand({ DeliveryStreamName: "kept", Record: { Data: Buffer.from("delivered|") } }));
  clock.advance(60_000);
  await first.delivery.whenIdle();
  await firehose.send(new PutRecordCommand({ DeliveryStreamName: "kept", Record: { Data: Buffer.from("flushed-at-stop|") } }));
  await first.stop();
  const delivered = await readObjects(join(dataDir, "s3"), "bucket");
  assert.deepEqual([...delivered.values()].map(String).sort(), ["delivered|", "flushed-at-stop|"]);

  const second = await startServer({ inMemory: false, dataDir }, clock);
  const again = firehoseClient(second.endpoint);
  const { DeliveryStreamDescription: description } = await again.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: "kept" }));
  assert.equal(description?.DeliveryStreamStatus, "ACTIVE");
  assert.deepEqual(description?.Destinations?.[0]?.ExtendedS3DestinationDescription?.BufferingHints, { SizeInMBs: 1, IntervalInSeconds: 60 });
  assert.deepEqual((await again.send(new ListTagsForDeliveryStreamCommand({ DeliveryStreamName: "kept" }))).Tags, [{ Key: "team", Value: "data" }]);
  clock.advance(3_600_000);
  await second.delivery.whenIdle();
  assert.equal((await readObjects(join(dataDir, "s3"), "bucket")).size, 2, "nothing delivered twice");
  await again.send(new PutRecordCommand({ DeliveryStreamName: "kept", Record: { Data: Buffer.from("after-restart|") } }));
  clock.advance(60_000);
  await second.delivery.whenIdle();
  assert.equal((await readObjects(join(dataDir, "s3"), "bucket")).size, 3);
});

test("kill -9 after acknowledgement, before any flush: the records are delivered after restart", async () => {
  const dataDir = await tempDir();
  const cli = await startCli(["--data-dir", dataDir]);
  const firehose = firehoseClient(cli.endpoint);
  await firehose.send(new CreateDeliveryStreamCommand({ DeliveryStreamName: "crash", ExtendedS3DestinationConfiguration: destination(300) }));
  const records = Array.from({ length: 50 }, (_, i) => Buffer.from(`record-${i}|`));
  for (let i = 0; i < records.length; i += 10) {
    const answer = await firehose.send(new PutRecordBatchCommand({ DeliveryStreamName: "crash", Records: records.slice(i, i + 10).map((Data) => ({ Data })) }));
    assert.equal(answer.FailedPutCount, 0);
  }
  cli.child.kill("SIGKILL");
  await exitOf(cli.child);
  assert.equal((await readObjects(join(dataDir, "s3"), "bucket")).size, 0, "nothing was due before the kill");

  // Restart with a clock past the buffer's interval: the loop flushes from the checkpoint at once.
  const server = await startServer({ inMemory: false, dataDir }, new ManualClock(Date.now() + 301_000));
  await server.delivery.whenIdle();
  const objects = await readObjects(join(dataDir, "s3"), "bucket");
  assert.deepEqual(Buffer.concat([...objects.values()]), Buffer.concat(records));
});

test("kill -9 during a put-and-deliver workload: every acknowledged record is delivered at least once, whole and in order", async () => {
  const dataDir = await tempDir();
  const cli = await startCli(["--data-dir", dataDir]);
  const firehose = firehoseClient(cli.endpoint);
  await firehose.send(new CreateDeliveryStreamCommand({ DeliveryStreamName: "busy", ExtendedS3DestinationConfiguration: destination(0) }));
  const acknowledged: number[] = [];
  const batches = 400;
  const batchSize = 20;
  const killAfter = 40;
  let next = 0;
  const writer = (async () => {
    for (let batch = 0; batch < batches; batch++) {
      const ids = Array.from({ length: batchSize }, () => next++);
      let answer;
      try {
        answer = await firehose.send(
          new PutRecordBatchCommand({ DeliveryStreamName: "busy", Records: ids.map((id) => ({ Data: Buffer.from(`${id}\n`) })) }),
        );
      } catch {
        return; // the server is gone
      }
      // Only records with a RecordId were accepted (the ingest quota may have turned some away).
      answer.RequestResponses!.forEach((entry, i) => entry.RecordId !== undefined && acknowledged.push(ids[i]!));
      if (batch === killAfter) cli.child.kill("SIGKILL");
    }
  })();
  await writer;
  await exitOf(cli.child);
  assert.ok(acknowledged.length > 0);

  const server = await startServer({ inMemory: false, dataDir });
  await server.stop(); // a graceful stop flushes whatever the restart found undelivered
  const objects = await readObjects(join(dataDir, "s3"), "bucket");
  const delivered = new Set<number>();
  for (const body of objects.values()) {
    const ids = String(body).split("\n");
    assert.equal(ids.pop(), "", "an object holds whole records");
    const numbers = ids.map(Number);
    for (let i = 1; i < numbers.length; i++) assert.ok(numbers[i]! > numbers[i - 1]!, "records in order within an object");
    for (const id of numbers) delivered.add(id);
  }
  const lost = acknowledged.filter((id) => !delivered.has(id));
  assert.deepEqual(lost, []);
});
