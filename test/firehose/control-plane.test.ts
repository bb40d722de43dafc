import assert from "node:assert/strict";
import { test } from "node:test";
import {
  CreateDeliveryStreamCommand,
  DeleteDeliveryStreamCommand,
  DescribeDeliveryStreamCommand,
  ListDeliveryStreamsCommand,
  ListTagsForDeliveryStreamCommand,
  PutRecordBatchCommand,
  PutRecordCommand,
  TagDeliveryStreamCommand,
  UntagDeliveryStreamCommand,
} from "@aws-sdk/client-firehose";
import { ManualClock } from "../support/clock.js";
import { firehoseClient, roleArn } from "../support/firehose.js";
import { awsError } from "../support/kinesis.js";
import { startServer } from "../support/server.js";
import { tempDir } from "../support/temp-dir.js";

const bucketArn = "arn:aws:s3:::control-bucket";

test("Firehose control plane", async (t) => {
  const clock = new ManualClock();
  const server = await startServer({}, clock, { delivery: { createDelayMs: 5000 } }, await tempDir());
  const firehose = firehoseClient(server.endpoint);

  await t.test("CreateDeliveryStream returns the ARN; the stream is CREATING, then ACTIVE", async () => {
    const created = await firehose.send(
      new CreateDeliveryStreamCommand({
        DeliveryStreamName: "orders",
        DeliveryStreamType: "DirectPut",
        ExtendedS3DestinationConfiguration: {
          RoleARN: roleArn,
          BucketARN: bucketArn,
          Prefix: "raw/",
          BufferingHints: { SizeInMBs: 64, IntervalInSeconds: 60 },
          CompressionFormat: "GZIP",
        },
        Tags: [{ Key: "team", Value: "web" }],
      }),
    );
    assert.equal(created.DeliveryStreamARN, "arn:aws:firehose:us-east-1:000000000000:deliverystream/orders");
    const creating = await firehose.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: "orders" }));
    assert.equal(creating.DeliveryStreamDescription!.DeliveryStreamStatus, "CREATING");
    clock.advance(5000);
    const { DeliveryStreamDescription: description } = await firehose.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: "orders" }));
    assert.ok(description);
    assert.equal(description.DeliveryStreamStatus, "ACTIVE");
    assert.equal(description.DeliveryStreamName, "orders");
    assert.equal(description.DeliveryStreamARN, created.DeliveryStreamARN);
    assert.equal(description.DeliveryStreamType, "DirectPut");
    assert.equal(description.VersionId, "1");
    assert.equal(description.CreateTimestamp?.getTime(), Date.UTC(2026, 0, 1));
    assert.equal(description.HasMoreDestinations, false);
    assert.deepEqual(description.DeliveryStreamEncryptionConfiguration, { Status: "DISABLED" });
    assert.equal(description.Source, undefined, "no Source for DirectPut without a throughput hint");
    assert.equal(description.Destinations?.length, 1);
    const destination = description.Destinations![0]!;
    assert.equal(destination.DestinationId, "destinationId-000000000001");
    const extended = destination.ExtendedS3DestinationDescription!;
    assert.equal(extended.BucketARN, bucketArn);
    assert.equal(extended.RoleARN, roleArn);
    assert.equal(extended.Prefix, "raw/");
    assert.deepEqual(extended.BufferingHints, { SizeInMBs: 64, IntervalInSeconds: 60 });
    assert.equal(extended.CompressionFormat, "GZIP");
    assert.deepEqual(extended.EncryptionConfiguration, { NoEncryptionConfig: "NoEncryption" });
    assert.equal(extended.S3BackupMode, "Disabled");
    assert.equal(destination.S3DestinationDescription?.BucketARN, bucketArn);
  });

  await t.test("S3DestinationConfiguration takes AWS's default buffering hints", async () => {
    await firehose.send(
      new CreateDeliveryStreamCommand({ DeliveryStreamName: "plain", S3DestinationConfiguration: { RoleARN: roleArn, BucketARN: bucketArn } }),
    );
    const { DeliveryStreamDescription: description } = await firehose.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: "plain" }));
    const s3 = description!.Destinations![0]!.S3DestinationDescription!;
    assert.deepEqual(s3.BufferingHints, { SizeInMBs: 5, IntervalInSeconds: 300 });
    assert.equal(s3.CompressionFormat, "UNCOMPRESSED");
  });

  await t.test("a name is taken once per region", async () => {
    const error = await awsError(
      firehose.send(new CreateDeliveryStreamCommand({ DeliveryStreamName: "orders", S3DestinationConfiguration: { RoleARN: roleArn, BucketARN: bucketArn } })),
      "ResourceInUseException",
    );
    assert.equal(error.message, "Firehose orders under accountId 000000000000 already exists");
    const west = firehoseClient(server.endpoint, "eu-west-1");
    await west.send(new CreateDeliveryStreamCommand({ DeliveryStreamName: "orders", S3DestinationConfiguration: { RoleARN: roleArn, BucketARN: bucketArn } }));
    const listed = await west.send(new ListDeliveryStreamsCommand({}));
    assert.deepEqual(listed.DeliveryStreamNames, ["orders"]);
  });

  await t.test("ListDeliveryStreams pages by name and filters by type", async () => {
    for (const name of ["a1", "a2", "a3"]) {
      await firehose.send(new CreateDeliveryStreamCommand({ DeliveryStreamName: name, S3DestinationConfiguration: { RoleARN: roleArn, BucketARN: bucketArn } }));
    }
    const first = await firehose.send(new ListDeliveryStreamsCommand({ Limit: 2 }));
    assert.deepEqual(first.DeliveryStreamNames, ["a1", "a2"]);
    assert.equal(first.HasMoreDeliveryStreams, true);
    const rest = await firehose.send(new ListDeliveryStreamsCommand({ ExclusiveStartDeliveryStreamName: "a2" }));
    assert.deepEqual(rest.DeliveryStreamNames, ["a3", "orders", "plain"]);
    assert.equal(rest.HasMoreDeliveryStreams, false);
    const direct = await firehose.send(new ListDeliveryStreamsCommand({ DeliveryStreamType: "DirectPut", Limit: 10 }));
    assert.equal(direct.DeliveryStreamNames?.length, 5);
    const kinesisSourced = await firehose.send(new ListDeliveryStreamsCommand({ DeliveryStreamType: "KinesisStreamAsSource" }));
    assert.deepEqual(kinesisSourced.DeliveryStreamNames, []);
  });

  await t.test("unknown streams are ResourceNotFoundException in AWS's words", async () => {
    const expected = "Firehose missing under account 000000000000 not found.";
    for (const call of [
      firehose.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: "missing" })),
      firehose.send(new DeleteDeliveryStreamCommand({ DeliveryStreamName: "missing" })),
      firehose.send(new PutRecordCommand({ DeliveryStreamName: "missing", Record: { Data: Buffer.from("x") } })),
      firehose.send(new PutRecordBatchCommand({ DeliveryStreamName: "missing", Records: [{ Data: Buffer.from("x") }] })),
      firehose.send(new ListTagsForDeliveryStreamCommand({ DeliveryStreamName: "missing" })),
    ]) {
      const error = await awsError(call, "ResourceNotFoundException");
      assert.equal(error.message, expected);
    }
  });

  await t.test("what Freshet does not support yet is refused by name", async () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ DeliveryStreamType: "KinesisStreamAsSource", S3DestinationConfiguration: { RoleARN: roleArn, BucketARN: bucketArn } }, /KinesisStreamAsSource/],
      [{ RedshiftDestinationConfiguration: {} }, /RedshiftDestinationConfiguration/],
      [{ ExtendedS3DestinationConfiguration: { RoleARN: roleArn, BucketARN: bucketArn, EncryptionConfiguration: { KMSEncryptionConfig: {} } } }, /KMSEncryptionConfig/],
      [{ ExtendedS3DestinationConfiguration: { RoleARN: roleArn, BucketARN: bucketArn, DynamicPartitioningConfiguration: { Enabled: true } } }, /[Dd]ynamic ?[Pp]artitioning/],
      [{ ExtendedS3DestinationConfiguration: { RoleARN: roleArn, BucketARN: bucketArn, Prefix: "!{partitionKeyFromQuery:id}/", ErrorOutputPrefix: "e/" } }, /partitionKeyFromQuery/],
      [{ ExtendedS3DestinationConfiguration: { RoleARN: roleArn, BucketARN: bucketArn, Prefix: "!{timestamp:yyyy}/" } }, /ErrorOutputPrefix cannot be null or empty/],
      [{}, /^Exactly one destination configuration is supported for a Firehose$/],
      [
        { S3DestinationConfiguration: { RoleARN: roleArn, BucketARN: bucketArn }, ExtendedS3DestinationConfiguration: { RoleARN: roleArn, BucketARN: bucketArn } },
        /^Exactly one destination configuration is supported for a Firehose$/,
      ],
      [{ S3DestinationConfiguration: { RoleARN: roleArn, BucketARN: bucketArn, Prefix: "a/../../escape/" } }, /"\.\." path segment/],
      [{ S3DestinationConfiguration: { RoleARN: roleArn, BucketARN: "arn:aws:s3:::.." } }, /does not name a bucket/],
    ];
    for (const [input, message] of cases) {
      const error = await awsError(firehose.send(new CreateDeliveryStreamCommand({ DeliveryStreamName: "refused", ...input } as never)), "InvalidArgumentException");
      assert.match(error.message, message);
    }
    await awsError(firehose.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: "refused" })), "ResourceNotFoundException");
  });

  await t.test("input constraints are ValidationException", async () => {
    const error = await awsError(
      firehose.send(
        new CreateDeliveryStreamCommand({
          DeliveryStreamName: "bad name",
          ExtendedS3DestinationConfiguration: { RoleARN: roleArn, BucketARN: bucketArn, BufferingHints: { SizeInMBs: 129, IntervalInSeconds: 901 } },
        }),
      ),
      "ValidationException",
    );
    assert.match(error.message, /^3 validation errors detected: /);
    assert.match(error.message, /Value 'bad name' at 'deliveryStreamName' failed to satisfy constraint: Member must satisfy regular expression pattern: \[a-zA-Z0-9_.-\]\+/);
    assert.match(error.message, /Value '129' at 'extendedS3DestinationConfiguration.bufferingHints.sizeInMBs' failed to satisfy constraint: Member must have value less than or equal to 128/);
  });

  await t.test("tags: add, list in key order, page, remove", async () => {
    await firehose.send(new TagDeliveryStreamCommand({ DeliveryStreamName: "orders", Tags: [{ Key: "env", Value: "prod" }, { Key: "cost", Value: "7" }] }));
    const listed = await firehose.send(new ListTagsForDeliveryStreamCommand({ DeliveryStreamName: "orders" }));
    assert.deepEqual(listed.Tags, [{ Key: "cost", Value: "7" }, { Key: "env", Value: "prod" }, { Key: "team", Value: "web" }]);
    assert.equal(listed.HasMoreTags, false);
    const page = await firehose.send(new ListTagsForDeliveryStreamCommand({ DeliveryStreamName: "orders", Limit: 1, ExclusiveStartTagKey: "cost" }));
    assert.deepEqual(page.Tags, [{ Key: "env", Value: "prod" }]);
    assert.equal(page.HasMoreTags, true);
    await firehose.send(new UntagDeliveryStreamCommand({ DeliveryStreamName: "orders", TagKeys: ["env", "team"] }));
    const after = await firehose.send(new ListTagsForDeliveryStreamCommand({ DeliveryStreamName: "orders" }));
    assert.deepEqual(after.Tags, [{ Key: "cost", Value: "7" }]);
    await awsError(firehose.send(new TagDeliveryStreamCommand({ DeliveryStreamName: "orders", Tags: [{ Key: "aws:x", Value: "1" }] })), "InvalidArgumentException");
  });

  await t.test("DeleteDeliveryStream removes the stream; its name can be used again", async () => {
    await firehose.send(new DeleteDeliveryStreamCommand({ DeliveryStreamName: "a1" }));
    await awsError(firehose.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: "a1" })), "ResourceNotFoundException");
    await firehose.send(new CreateDeliveryStreamCommand({ DeliveryStreamName: "a1", S3DestinationConfiguration: { RoleARN: roleArn, BucketARN: bucketArn } }));
    await firehose.send(new PutRecordCommand({ DeliveryStreamName: "a1", Record: { Data: Buffer.from("again") } }));
  });
});

test("PutRecord and PutRecordBatch: limits and answers", async (t) => {
  const server = await startServer({}, new ManualClock(), undefined, await tempDir());
  const firehose = firehoseClient(server.endpoint);
  await firehose.send(
    new CreateDeliveryStreamCommand({ DeliveryStreamName: "limits", S3DestinationConfiguration: { RoleARN: roleArn, BucketARN: bucketArn } }),
  );

  await t.test("PutRecord answers a RecordId; every RecordId differs", async () => {
    const first = await firehose.send(new PutRecordCommand({ DeliveryStreamName: "limits", Record: { Data: Buffer.from("a") } }));
    const second = await firehose.send(new PutRecordCommand({ DeliveryStreamName: "limits", Record: { Data: Buffer.from("b") } }));
    assert.ok(first.RecordId && second.RecordId);
    assert.notEqual(first.RecordId, second.RecordId);
    assert.equal(first.Encrypted, false);
  });

  await t.test("a record of 1,000 KiB is accepted, one byte more is not", async () => {
    await firehose.send(new PutRecordCommand({ DeliveryStreamName: "limits", Record: { Data: Buffer.alloc(1024000) } }));
    const error = await awsError(
      firehose.send(new PutRecordCommand({ DeliveryStreamName: "limits", Record: { Data: Buffer.alloc(1024001) } })),
      "ValidationException",
    );
    assert.match(error.message, /at 'record.data' failed to satisfy constraint: Member must have length less than or equal to 1024000/);
  });

  await t.test("PutRecordBatch: 500 records at most, 4 MiB at most, one RecordId each", async () => {
    const batch = await firehose.send(
      new PutRecordBatchCommand({ DeliveryStreamName: "limits", Records: Array.from({ length: 500 }, (_, i) => ({ Data: Buffer.from(`r${i}`) })) }),
    );
    assert.equal(batch.FailedPutCount, 0);
    assert.equal(batch.RequestResponses?.length, 500);
    assert.equal(new Set(batch.RequestResponses!.map((entry) => entry.RecordId)).size, 500);
    const tooMany = await awsError(
      firehose.send(new PutRecordBatchCommand({ DeliveryStreamName: "limits", Records: Array.from({ length: 501 }, () => ({ Data: Buffer.from("x") })) })),
      "ValidationException",
    );
    assert.match(tooMany.message, /at 'records' failed to satisfy constraint: Member must have length less than or equal to 500/);
    const tooBig = await awsError(
      firehose.send(
        new PutRecordBatchCommand({ DeliveryStreamName: "limits", Records: Array.from({ length: 5 }, () => ({ Data: Buffer.alloc(1024000) })) }),
      ),
      "InvalidArgumentException",
    );
    assert.match(tooBig.message, /4194304/);
  });
});

test("a data directory keeps its delivery directory beside the log", async () => {
  const dataDir = await tempDir();
  const server = await startServer({ inMemory: false, dataDir });
  assert.equal(server.deliveryDir, `${dataDir}/s3`);
});

test("ingest quotas: 5,000 records/s and 5 MiB/s per stream, refused per record with ServiceUnavailableException", async () => {
  const clock = new ManualClock();
  const server = await startServer({ limits: "on" }, clock, undefined, await tempDir());
  const firehose = firehoseClient(server.endpoint);
  await firehose.send(new CreateDeliveryStreamCommand({ DeliveryStreamName: "quota", S3DestinationConfiguration: { RoleARN: roleArn, BucketARN: bucketArn } }));
  const tiny = (count: number) => Array.from({ length: count }, () => ({ Data: Buffer.from("x") }));
  for (let i = 0; i < 9; i++) {
    const batch = await firehose.send(new PutRecordBatchCommand({ DeliveryStreamName: "quota", Records: tiny(500) }));
    assert.equal(batch.FailedPutCount, 0);
  }
  const over = await firehose.send(new PutRecordBatchCommand({ DeliveryStreamName: "quota", Records: tiny(500) }));
  assert.equal(over.FailedPutCount, 0, "exactly 5,000 records fit in one second");
  const throttled = await firehose.send(new PutRecordBatchCommand({ DeliveryStreamName: "quota", Records: tiny(2) }));
  assert.equal(throttled.FailedPutCount, 2);
  assert.deepEqual(throttled.RequestResponses![0], { ErrorCode: "ServiceUnavailableException", ErrorMessage: "Slow down." });
  const single = await awsError(firehose.send(new PutRecordCommand({ DeliveryStreamName: "quota", Record: { Data: Buffer.from("y") } })), "ServiceUnavailableException");
  assert.equal(single.message, "Slow down.");

  clock.advance(1000);
  const big = await firehose.send(
    new PutRecordBatchCommand({ DeliveryStreamName: "quota", Records: Array.from({ length: 4 }, () => ({ Data: Buffer.alloc(1024000) })) }),
  );
  assert.equal(big.FailedPutCount, 0);
  const bytesOver = await firehose.send(
    new PutRecordBatchCommand({ DeliveryStreamName: "quota", Records: [{ Data: Buffer.alloc(1024000) }, { Data: Buffer.alloc(1024000) }] }),
  );
  assert.equal(bytesOver.FailedPutCount, 1, "the fifth MiB fits, the sixth does not");
  assert.ok(bytesOver.RequestResponses![0]!.RecordId);
});

test("with limits off, nothing is throttled", async () => {
  const server = await startServer({ limits: "off" }, new ManualClock(), undefined, await tempDir());
  const firehose = firehoseClient(server.endpoint);
  await firehose.send(new CreateDeliveryStreamCommand({ DeliveryStreamName: "free", S3DestinationConfiguration: { RoleARN: roleArn, BucketARN: bucketArn } }));
  for (let i = 0; i < 12; i++) {
    const batch = await firehose.send(
      new PutRecordBatchCommand({ DeliveryStreamName: "free", Records: Array.from({ length: 500 }, () => ({ Data: Buffer.from("x") })) }),
    );
    assert.equal(batch.FailedPutCount, 0);
  }
});
