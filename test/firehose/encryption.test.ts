import assert from "node:assert/strict";
import { test } from "node:test";
import {
  CreateDeliveryStreamCommand,
  DescribeDeliveryStreamCommand,
  PutRecordBatchCommand,
  PutRecordCommand,
  StartDeliveryStreamEncryptionCommand,
  StopDeliveryStreamEncryptionCommand,
} from "@aws-sdk/client-firehose";
import { ManualClock } from "../support/clock.js";
import { firehoseClient, roleArn } from "../support/firehose.js";
import { awsError } from "../support/kinesis.js";
import { startServer } from "../support/server.js";

const destination = { RoleARN: roleArn, BucketARN: "arn:aws:s3:::sse-bucket" };
const keyArn = "arn:aws:kms:us-east-1:000000000000:key/11111111-2222-3333-4444-555555555555";

test("server-side encryption: Start/StopDeliveryStreamEncryption, at creation, and what PutRecord reports", async (t) => {
  const clock = new ManualClock();
  const server = await startServer({}, clock);
  const firehose = firehoseClient(server.endpoint);
  const describeEncryption = async (name: string) =>
    (await firehose.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: name }))).DeliveryStreamDescription!.DeliveryStreamEncryptionConfiguration;

  await t.test("a stream starts unencrypted; Start enables an AWS-owned key and records are reported encrypted", async () => {
    await firehose.send(new CreateDeliveryStreamCommand({ DeliveryStreamName: "plain", S3DestinationConfiguration: destination }));
    assert.equal((await firehose.send(new PutRecordCommand({ DeliveryStreamName: "plain", Record: { Data: Buffer.from("a") } }))).Encrypted, false);
    await firehose.send(new StartDeliveryStreamEncryptionCommand({ DeliveryStreamName: "plain" }));
    assert.deepEqual(await describeEncryption("plain"), { KeyType: "AWS_OWNED_CMK", Status: "ENABLED" });
    assert.equal((await firehose.send(new PutRecordCommand({ DeliveryStreamName: "plain", Record: { Data: Buffer.from("b") } }))).Encrypted, true);
    const batch = await firehose.send(new PutRecordBatchCommand({ DeliveryStreamName: "plain", Records: [{ Data: Buffer.from("c") }] }));
    assert.equal(batch.Encrypted, true);
  });

  await t.test("the key can be changed while enabled, and Stop disables it", async () => {
    await firehose.send(
      new StartDeliveryStreamEncryptionCommand({
        DeliveryStreamName: "plain",
        DeliveryStreamEncryptionConfigurationInput: { KeyType: "CUSTOMER_MANAGED_CMK", KeyARN: keyArn },
      }),
    );
    assert.deepEqual(await describeEncryption("plain"), { KeyARN: keyArn, KeyType: "CUSTOMER_MANAGED_CMK", Status: "ENABLED" });
    await firehose.send(new StopDeliveryStreamEncryptionCommand({ DeliveryStreamName: "plain" }));
    assert.deepEqual(await describeEncryption("plain"), { Status: "DISABLED" });
  });

  await t.test("encryption (and a DirectPut throughput hint) can be set at creation", async () => {
    await firehose.send(
      new CreateDeliveryStreamCommand({
        DeliveryStreamName: "sealed",
        S3DestinationConfiguration: destination,
        DeliveryStreamEncryptionConfigurationInput: { KeyType: "CUSTOMER_MANAGED_CMK", KeyARN: keyArn },
        DirectPutSourceConfiguration: { ThroughputHintInMBs: 20 },
      }),
    );
    assert.deepEqual(await describeEncryption("sealed"), { KeyARN: keyArn, KeyType: "CUSTOMER_MANAGED_CMK", Status: "ENABLED" });
    const described = (await firehose.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: "sealed" }))).DeliveryStreamDescription!;
    assert.deepEqual(described.Source, { DirectPutSourceDescription: { ThroughputHintInMBs: 20 } }, "the throughput hint is described");
  });

  await t.test("a customer managed key needs its ARN; an AWS-owned one takes none", async () => {
    await awsError(
      firehose.send(
        new StartDeliveryStreamEncryptionCommand({ DeliveryStreamName: "plain", DeliveryStreamEncryptionConfigurationInput: { KeyType: "CUSTOMER_MANAGED_CMK" } }),
      ),
      "InvalidArgumentException",
    );
    await awsError(
      firehose.send(
        new StartDeliveryStreamEncryptionCommand({
          DeliveryStreamName: "plain",
          DeliveryStreamEncryptionConfigurationInput: { KeyType: "AWS_OWNED_CMK", KeyARN: keyArn },
        }),
      ),
      "InvalidArgumentException",
    );
    await awsError(firehose.send(new StartDeliveryStreamEncryptionCommand({ DeliveryStreamName: "nope" })), "ResourceNotFoundException");
  });

  await t.test("Start and Stop together are limited to 25 calls per stream per 24 hours", async () => {
    await firehose.send(new CreateDeliveryStreamCommand({ DeliveryStreamName: "flappy", S3DestinationConfiguration: destination }));
    for (let i = 0; i < 25; i++) {
      const command = i % 2 === 0 ? new StartDeliveryStreamEncryptionCommand({ DeliveryStreamName: "flappy" }) : new StopDeliveryStreamEncryptionCommand({ DeliveryStreamName: "flappy" });
      await firehose.send(command);
    }
    await awsError(firehose.send(new StopDeliveryStreamEncryptionCommand({ DeliveryStreamName: "flappy" })), "LimitExceededException");
    clock.advance(24 * 60 * 60 * 1000 + 1);
    await firehose.send(new StopDeliveryStreamEncryptionCommand({ DeliveryStreamName: "flappy" }));
  });
});
