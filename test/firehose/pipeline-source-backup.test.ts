/**
 * ExtendedS3 source record backup (`S3BackupMode: Enabled`): the records as they came in, before processing, go to
 * the backup bucket by the backup's own BufferingHints, while the destination gets the processed records.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  CreateDeliveryStreamCommand,
  DescribeDeliveryStreamCommand,
  PutRecordBatchCommand,
  UpdateDestinationCommand,
} from "@aws-sdk/client-firehose";
import { pipelineStart, readObjects, roleArn, startPipelineServer } from "../support/firehose.js";
import { awsError } from "../support/kinesis.js";

const start = pipelineStart;
const appendNewline = { Type: "AppendDelimiterToRecord" as const, Parameters: [] };

async function setup(name: string, destination: Record<string, unknown>) {
  const { clock, dir, server, firehose } = await startPipelineServer();
  await firehose.send(
    new CreateDeliveryStreamCommand({
      DeliveryStreamName: name,
      ExtendedS3DestinationConfiguration: {
        RoleARN: roleArn,
        BucketARN: "arn:aws:s3:::lake",
        Prefix: "processed/",
        BufferingHints: { SizeInMBs: 5, IntervalInSeconds: 60 },
        ProcessingConfiguration: { Enabled: true, Processors: [appendNewline] },
        ...destination,
      },
    }),
  );
  return { clock, dir, server, firehose };
}

test("the backup bucket gets the records as put, the destination the processed ones, each by its own interval", { timeout: 30_000 }, async () => {
  const { clock, dir, server, firehose } = await setup("backed", {
    S3BackupMode: "Enabled",
    S3BackupConfiguration: {
      RoleARN: roleArn,
      BucketARN: "arn:aws:s3:::raw",
      Prefix: "source/",
      CompressionFormat: "GZIP",
      BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 300 },
    },
  });
  const records = ["a", "b", "c"].map((text) => ({ Data: Buffer.from(text) }));
  await firehose.send(new PutRecordBatchCommand({ DeliveryStreamName: "backed", Records: records }));
  clock.advance(60_000);
  await server.delivery.whenIdle();
  assert.deepEqual([...(await readObjects(dir, "lake")).values()].map(String), ["a\nb\nc\n"]);
  assert.equal((await readObjects(dir, "raw")).size, 0, "the backup waits for its own interval");
  clock.advance(240_000);
  await server.delivery.whenIdle();
  const backups = await readObjects(dir, "raw");
  assert.equal(backups.size, 1);
  const [key, body] = [...backups][0]!;
  assert.match(key, /^source\/2026\/01\/01\/13\/backed-1-2026-01-01-13-04-05-[0-9a-f-]{36}\.gz$/);
  const { gunzipSync } = await import("node:zlib");
  assert.equal(String(gunzipSync(body)), "abc");

  const description = (await firehose.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: "backed" }))).DeliveryStreamDescription!;
  const extended = description.Destinations![0]!.ExtendedS3DestinationDescription!;
  assert.equal(extended.S3BackupMode, "Enabled");
  assert.equal(extended.S3BackupDescription?.BucketARN, "arn:aws:s3:::raw");
  assert.deepEqual(extended.S3BackupDescription?.BufferingHints, { SizeInMBs: 1, IntervalInSeconds: 300 });
});

test("a backup can be enabled by UpdateDestination, and then not disabled", { timeout: 30_000 }, async () => {
  const { firehose } = await setup("later", {});
  await awsError(
    firehose.send(
      new UpdateDestinationCommand({
        DeliveryStreamName: "later",
        CurrentDeliveryStreamVersionId: "1",
        DestinationId: "destinationId-000000000001",
        ExtendedS3DestinationUpdate: { S3BackupMode: "Enabled" },
      }),
    ),
    "InvalidArgumentException",
  );
  await firehose.send(
    new UpdateDestinationCommand({
      DeliveryStreamName: "later",
      CurrentDeliveryStreamVersionId: "1",
      DestinationId: "destinationId-000000000001",
      ExtendedS3DestinationUpdate: { S3BackupMode: "Enabled", S3BackupUpdate: { RoleARN: roleArn, BucketARN: "arn:aws:s3:::raw" } },
    }),
  );
  const description = (await firehose.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: "later" }))).DeliveryStreamDescription!;
  assert.equal(description.Destinations![0]!.ExtendedS3DestinationDescription!.S3BackupDescription?.BucketARN, "arn:aws:s3:::raw");
  const refused = await awsError(
    firehose.send(
      new UpdateDestinationCommand({
        DeliveryStreamName: "later",
        CurrentDeliveryStreamVersionId: "2",
        DestinationId: "destinationId-000000000001",
        ExtendedS3DestinationUpdate: { S3BackupMode: "Disabled" },
      }),
    ),
    "InvalidArgumentException",
  );
  assert.match(refused.message, /cannot be changed from Enabled to Disabled/);
  await firehose.send(
    new UpdateDestinationCommand({
      DeliveryStreamName: "later",
      CurrentDeliveryStreamVersionId: "2",
      DestinationId: "destinationId-000000000001",
      ExtendedS3DestinationUpdate: { S3BackupUpdate: { Prefix: "moved/" } },
    }),
  );
  const moved = (await firehose.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: "later" }))).DeliveryStreamDescription!;
  const backup = moved.Destinations![0]!.ExtendedS3DestinationDescription!.S3BackupDescription!;
  assert.equal(backup.Prefix, "moved/");
  assert.equal(backup.BucketARN, "arn:aws:s3:::raw", "members left out are kept");
});
