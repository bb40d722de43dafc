/** Enhanced fan-out consumers (Register/Deregister/Describe/ListStreamConsumers) through the AWS SDK v3. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  CreateStreamCommand,
  DeleteStreamCommand,
  DeregisterStreamConsumerCommand,
  DescribeStreamConsumerCommand,
  DescribeStreamSummaryCommand,
  type KinesisClient,
  ListStreamConsumersCommand,
  RegisterStreamConsumerCommand,
  SubscribeToShardCommand,
} from "@aws-sdk/client-kinesis";
import { ManualClock } from "../support/clock.js";
import { awsError, kinesisClient } from "../support/kinesis.js";
import { startServer } from "../support/server.js";
import { tempDir } from "../support/temp-dir.js";

const account = "000000000000";
const arnOf = (stream: string) => `arn:aws:kinesis:us-east-1:${account}:stream/${stream}`;

async function createStream(kinesis: KinesisClient, name: string): Promise<string> {
  await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
  return arnOf(name);
}

describe("stream consumers", async () => {
  const clock = new ManualClock(Date.UTC(2026, 2, 1, 9));
  const server = await startServer({}, clock);
  const kinesis = kinesisClient(server.endpoint);

  it("registers, describes, lists and deregisters consumers", async () => {
    const streamArn = await createStream(kinesis, "orders");
    const { Consumer: registered } = await kinesis.send(new RegisterStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: "billing" }));
    assert.equal(registered?.ConsumerName, "billing");
    assert.equal(registered?.ConsumerARN, `${streamArn}/consumer/billing:${Math.floor(clock.now() / 1000)}`);
    assert.equal(registered?.ConsumerStatus, "ACTIVE");
    assert.equal(registered?.ConsumerCreationTimestamp?.getTime(), clock.now());

    const byArn = await kinesis.send(new DescribeStreamConsumerCommand({ ConsumerARN: registered!.ConsumerARN }));
    assert.deepEqual(byArn.ConsumerDescription, { ...registered, StreamARN: streamArn });
    const byName = await kinesis.send(new DescribeStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: "billing" }));
    assert.deepEqual(byName.ConsumerDescription, byArn.ConsumerDescription);
    const summary = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: "orders" }));
    assert.equal(summary.StreamDescriptionSummary?.ConsumerCount, 1);

    await kinesis.send(new RegisterStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: "audit" }));
    await kinesis.send(new RegisterStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: "search" }));
    const first = await kinesis.send(new ListStreamConsumersCommand({ StreamARN: streamArn, MaxResults: 2 }));
    assert.deepEqual(first.Consumers?.map((c) => c.ConsumerName), ["audit", "billing"]);
    assert.ok(first.NextToken);
    const second = await kinesis.send(new ListStreamConsumersCommand({ StreamARN: streamArn, NextToken: first.NextToken }));
    assert.deepEqual(second.Consumers?.map((c) => c.ConsumerName), ["search"]);
    assert.equal(second.NextToken, undefined);
    assert.equal(second.Consumers?.[0]?.ConsumerStatus, "ACTIVE");

    await kinesis.send(new DeregisterStreamConsumerCommand({ ConsumerARN: registered!.ConsumerARN }));
    await kinesis.send(new DeregisterStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: "audit" }));
    const left = await kinesis.send(new ListStreamConsumersCommand({ StreamARN: streamArn }));
    assert.deepEqual(left.Consumers?.map((c) => c.ConsumerName), ["search"]);
    await awsError(kinesis.send(new DescribeStreamConsumerCommand({ ConsumerARN: registered!.ConsumerARN })), "ResourceNotFoundException");
  });

  it("gives a re-registered consumer a new ARN, and the old ARN finds nothing", async () => {
    const streamArn = await createStream(kinesis, "again");
    const { Consumer: old } = await kinesis.send(new RegisterStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: "c" }));
    await kinesis.send(new DeregisterStreamConsumerCommand({ ConsumerARN: old!.ConsumerARN }));
    clock.advance(1000);
    const { Consumer: fresh } = await kinesis.send(new RegisterStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: "c" }));
    assert.notEqual(fresh?.ConsumerARN, old?.ConsumerARN);
    await awsError(kinesis.send(new DescribeStreamConsumerCommand({ ConsumerARN: old!.ConsumerARN })), "ResourceNotFoundException");
  });

  it("answers mistakes with AWS's errors", async () => {
    const streamArn = await createStream(kinesis, "limits");
    await kinesis.send(new RegisterStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: "c0" }));
    await awsError(kinesis.send(new RegisterStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: "c0" })), "ResourceInUseException");
    for (let i = 1; i < 20; i++) {
      await kinesis.send(new RegisterStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: `c${i}` }));
    }
    await awsError(kinesis.send(new RegisterStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: "c20" })), "LimitExceededException");

    const missing = await awsError(
      kinesis.send(new RegisterStreamConsumerCommand({ StreamARN: arnOf("nope"), ConsumerName: "c" })),
      "ResourceNotFoundException",
    );
    assert.equal(missing.message, `Stream nope under account ${account} not found.`);
    await awsError(kinesis.send(new DescribeStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: "absent" })), "ResourceNotFoundException");
    await awsError(kinesis.send(new DeregisterStreamConsumerCommand({ StreamARN: streamArn })), "InvalidArgumentException");
    await awsError(
      kinesis.send(new DescribeStreamConsumerCommand({ ConsumerARN: `${streamArn}/consumer/c0:1`, ConsumerName: "c1" })),
      "InvalidArgumentException",
    );
    const invalid = await awsError(
      kinesis.send(new RegisterStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: "bad name" })),
      "ValidationException",
    );
    assert.equal(
      invalid.message,
      "1 validation error detected: Value 'bad name' at 'consumerName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
    );
    await awsError(kinesis.send(new ListStreamConsumersCommand({ StreamARN: streamArn, NextToken: "garbage" })), "InvalidArgumentException");
    await awsError(
      kinesis.send(new ListStreamConsumersCommand({ StreamARN: streamArn, StreamCreationTimestamp: new Date(clock.now() - 60_000) })),
      "ResourceNotFoundException",
    );
    const page = await kinesis.send(new ListStreamConsumersCommand({ StreamARN: streamArn, MaxResults: 1 }));
    clock.advance(300_001);
    await awsError(kinesis.send(new ListStreamConsumersCommand({ StreamARN: streamArn, NextToken: page.NextToken })), "ExpiredNextTokenException");
  });

  it("deletes consumers with their stream only when told to", async () => {
    const streamArn = await createStream(kinesis, "doomed");
    await kinesis.send(new RegisterStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: "c" }));
    await awsError(kinesis.send(new DeleteStreamCommand({ StreamName: "doomed" })), "ResourceInUseException");
    await kinesis.send(new DeleteStreamCommand({ StreamName: "doomed", EnforceConsumerDeletion: true }));
    clock.advance(1000);
    await createStream(kinesis, "doomed");
    const listed = await kinesis.send(new ListStreamConsumersCommand({ StreamARN: streamArn }));
    assert.deepEqual(listed.Consumers, []);
  });
});

describe("consumers that take time to create", async () => {
  const clock = new ManualClock(Date.UTC(2026, 2, 1, 9));
  const server = await startServer({}, clock, { consumers: { createDelayMs: 10_000 } });
  const kinesis = kinesisClient(server.endpoint);

  it("are CREATING, cannot subscribe yet, and become ACTIVE when their time comes", async () => {
    const streamArn = await createStream(kinesis, "slow");
    const { Consumer } = await kinesis.send(new RegisterStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: "c" }));
    assert.equal(Consumer?.ConsumerStatus, "CREATING");
    const early = await awsError(
      kinesis.send(
        new SubscribeToShardCommand({ ConsumerARN: Consumer!.ConsumerARN, ShardId: "shardId-000000000000", StartingPosition: { Type: "LATEST" } }),
      ),
      "ResourceInUseException",
    );
    assert.match(early.message, /^Consumer c with creation timestamp \d+ under stream: slow , account 000000000000 is not in ACTIVE status\.$/);
    clock.advance(10_000);
    const described = await kinesis.send(new DescribeStreamConsumerCommand({ ConsumerARN: Consumer!.ConsumerARN }));
    assert.equal(described.ConsumerDescription?.ConsumerStatus, "ACTIVE");
  });

  it("refuses a sixth consumer while five are CREATING", async () => {
    const streamArn = await createStream(kinesis, "burst");
    for (let i = 0; i < 5; i++) await kinesis.send(new RegisterStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: `c${i}` }));
    await awsError(kinesis.send(new RegisterStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: "c5" })), "LimitExceededException");
    clock.advance(10_000);
    await kinesis.send(new RegisterStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: "c5" }));
  });
});

describe("consumers across a restart", async () => {
  const dataDir = await tempDir();

  it("are still registered after the server restarts", async () => {
    const first = await startServer({ inMemory: false, dataDir });
    const before = kinesisClient(first.endpoint);
    const streamArn = await createStream(before, "durable");
    const { Consumer } = await before.send(new RegisterStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: "kept" }));
    await first.stop();

    const second = await startServer({ inMemory: false, dataDir });
    const after = kinesisClient(second.endpoint);
    const described = await after.send(new DescribeStreamConsumerCommand({ ConsumerARN: Consumer!.ConsumerARN }));
    assert.equal(described.ConsumerDescription?.ConsumerName, "kept");
    assert.equal(described.ConsumerDescription?.ConsumerStatus, "ACTIVE");
  });
});
