/**
 * The small control-plane actions through the AWS SDK: encryption, enhanced monitoring, DescribeLimits, account
 * settings, resource policies, UpdateMaxRecordSize, UpdateStreamWarmThroughput; and that what they set survives a
 * restart of a server with a data directory.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  AddTagsToStreamCommand,
  CreateStreamCommand,
  DeleteResourcePolicyCommand,
  DescribeAccountSettingsCommand,
  DescribeLimitsCommand,
  DescribeStreamCommand,
  DescribeStreamSummaryCommand,
  DisableEnhancedMonitoringCommand,
  EnableEnhancedMonitoringCommand,
  GetRecordsCommand,
  GetResourcePolicyCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  ListTagsForResourceCommand,
  PutRecordCommand,
  PutRecordsCommand,
  PutResourcePolicyCommand,
  RegisterStreamConsumerCommand,
  StartStreamEncryptionCommand,
  StopStreamEncryptionCommand,
  UpdateAccountSettingsCommand,
  UpdateMaxRecordSizeCommand,
  UpdateStreamWarmThroughputCommand,
} from "@aws-sdk/client-kinesis";
import { ManualClock } from "../support/clock.js";
import { awsError, type HttpVersion, kinesisClient } from "../support/kinesis.js";
import { startServer } from "../support/server.js";
import { tempDir } from "../support/temp-dir.js";

const arnOf = (name: string) => `arn:aws:kinesis:us-east-1:000000000000:stream/${name}`;
const allMetrics = [
  "IncomingBytes",
  "IncomingRecords",
  "OutgoingBytes",
  "OutgoingRecords",
  "WriteProvisionedThroughputExceeded",
  "ReadProvisionedThroughputExceeded",
  "IteratorAgeMilliseconds",
];
const policy = (resource: string) =>
  JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { AWS: "arn:aws:iam::111122223333:root" }, Action: "kinesis:GetRecords", Resource: resource }],
  });

async function readAll(kinesis: KinesisClient, stream: string) {
  const { ShardIterator } = await kinesis.send(
    new GetShardIteratorCommand({ StreamName: stream, ShardId: "shardId-000000000000", ShardIteratorType: "TRIM_HORIZON" }),
  );
  return (await kinesis.send(new GetRecordsCommand({ ShardIterator }))).Records ?? [];
}

for (const http of ["h2", "http1"] as HttpVersion[]) {
  describe(`Kinesis stream settings over ${http}`, async () => {
    const server = await startServer();
    const kinesis = kinesisClient(server.endpoint, http);

    it("records a KMS key and reports EncryptionType in descriptions, puts and reads", async () => {
      await kinesis.send(new CreateStreamCommand({ StreamName: "secret", ShardCount: 1 }));
      const plain = await kinesis.send(new PutRecordCommand({ StreamName: "secret", PartitionKey: "p", Data: Buffer.from("before") }));
      assert.equal(plain.EncryptionType, "NONE");

      await kinesis.send(new StartStreamEncryptionCommand({ StreamName: "secret", EncryptionType: "KMS", KeyId: "alias/aws/kinesis" }));
      const { StreamDescriptionSummary: summary } = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: "secret" }));
      assert.equal(summary?.EncryptionType, "KMS");
      assert.equal(summary?.KeyId, "alias/aws/kinesis");
      assert.equal(summary?.StreamStatus, "ACTIVE");
      const put = await kinesis.send(new PutRecordCommand({ StreamName: "secret", PartitionKey: "p", Data: Buffer.from("after") }));
      assert.equal(put.EncryptionType, "KMS");
      const batch = await kinesis.send(new PutRecordsCommand({ StreamARN: arnOf("secret"), Records: [{ PartitionKey: "p", Data: Buffer.from("batch") }] }));
      assert.equal(batch.EncryptionType, "KMS");
      const records = await readAll(kinesis, "secret");
      assert.deepEqual(records.map((record) => Buffer.from(record.Data!).toString()), ["before", "after", "batch"]);
      assert.ok(records.every((record) => record.EncryptionType === "KMS"));

      await kinesis.send(new StopStreamEncryptionCommand({ StreamARN: arnOf("secret"), EncryptionType: "KMS", KeyId: "alias/aws/kinesis" }));
      const { StreamDescription: description } = await kinesis.send(new DescribeStreamCommand({ StreamName: "secret" }));
      assert.equal(description?.EncryptionType, "NONE");
      assert.equal(description?.KeyId, undefined);
      assert.equal((await kinesis.send(new PutRecordCommand({ StreamName: "secret", PartitionKey: "p", Data: Buffer.from("x") }))).EncryptionType, "NONE");

      const none = await awsError(
        kinesis.send(new StartStreamEncryptionCommand({ StreamName: "secret", EncryptionType: "NONE", KeyId: "k" })),
        "InvalidArgumentException",
      );
      assert.match(none.message, /EncryptionType NONE/);
      await awsError(
        kinesis.send(new StartStreamEncryptionCommand({ StreamName: "absent", EncryptionType: "KMS", KeyId: "k" })),
        "ResourceNotFoundException",
      );
    });

    it("enables and disables shard-level metrics, expanding ALL", async () => {
      await kinesis.send(new CreateStreamCommand({ StreamName: "watched", ShardCount: 1 }));
      const first = await kinesis.send(new EnableEnhancedMonitoringCommand({ StreamName: "watched", ShardLevelMetrics: ["IncomingBytes"] }));
      assert.equal(first.StreamName, "watched");
      assert.equal(first.StreamARN, arnOf("watched"));
      assert.deepEqual(first.CurrentShardLevelMetrics, []);
      assert.deepEqual(first.DesiredShardLevelMetrics, ["IncomingBytes"]);
      const all = await kinesis.send(new EnableEnhancedMonitoringCommand({ StreamARN: arnOf("watched"), ShardLevelMetrics: ["ALL"] }));
      assert.deepEqual(all.CurrentShardLevelMetrics, ["IncomingBytes"]);
      assert.deepEqual(all.DesiredShardLevelMetrics, allMetrics);
      const fewer = await kinesis.send(
        new DisableEnhancedMonitoringCommand({ StreamName: "watched", ShardLevelMetrics: ["OutgoingBytes", "IteratorAgeMilliseconds"] }),
      );
      assert.deepEqual(fewer.CurrentShardLevelMetrics, allMetrics);
      assert.deepEqual(fewer.DesiredShardLevelMetrics, allMetrics.filter((metric) => metric !== "OutgoingBytes" && metric !== "IteratorAgeMilliseconds"));
      const { StreamDescription } = await kinesis.send(new DescribeStreamCommand({ StreamName: "watched" }));
      assert.deepEqual(StreamDescription?.EnhancedMonitoring, [{ ShardLevelMetrics: fewer.DesiredShardLevelMetrics }]);
      const none = await kinesis.send(new DisableEnhancedMonitoringCommand({ StreamName: "watched", ShardLevelMetrics: ["ALL"] }));
      assert.deepEqual(none.DesiredShardLevelMetrics, []);
      const invalid = await awsError(
        kinesis.send(new EnableEnhancedMonitoringCommand({ StreamName: "watched", ShardLevelMetrics: ["Bogus" as "ALL"] })),
        "ValidationException",
      );
      assert.match(invalid.message, /Member must satisfy enum value set: \[IncomingBytes, IncomingRecords, OutgoingBytes/);
    });

    it("stores, returns and deletes resource policies on streams and consumers", async () => {
      await kinesis.send(new CreateStreamCommand({ StreamName: "shared", ShardCount: 1 }));
      assert.equal((await kinesis.send(new GetResourcePolicyCommand({ ResourceARN: arnOf("shared") }))).Policy, "{}");
      await kinesis.send(new PutResourcePolicyCommand({ ResourceARN: arnOf("shared"), Policy: policy(arnOf("shared")) }));
      assert.equal((await kinesis.send(new GetResourcePolicyCommand({ ResourceARN: arnOf("shared") }))).Policy, policy(arnOf("shared")));

      const { Consumer } = await kinesis.send(new RegisterStreamConsumerCommand({ StreamARN: arnOf("shared"), ConsumerName: "fan" }));
      const consumerArn = Consumer!.ConsumerARN!;
      await kinesis.send(new PutResourcePolicyCommand({ ResourceARN: consumerArn, Policy: policy(consumerArn) }));
      assert.equal((await kinesis.send(new GetResourcePolicyCommand({ ResourceARN: consumerArn }))).Policy, policy(consumerArn));

      await kinesis.send(new DeleteResourcePolicyCommand({ ResourceARN: arnOf("shared") }));
      assert.equal((await kinesis.send(new GetResourcePolicyCommand({ ResourceARN: arnOf("shared") }))).Policy, "{}");
      assert.equal((await kinesis.send(new GetResourcePolicyCommand({ ResourceARN: consumerArn }))).Policy, policy(consumerArn));
      await kinesis.send(new DeleteResourcePolicyCommand({ ResourceARN: arnOf("shared") }));

      await awsError(kinesis.send(new PutResourcePolicyCommand({ ResourceARN: arnOf("shared"), Policy: "not json" })), "InvalidArgumentException");
      await awsError(kinesis.send(new GetResourcePolicyCommand({ ResourceARN: arnOf("nowhere") })), "ResourceNotFoundException");
    });
  });
}

describe("DescribeLimits", async () => {
  const server = await startServer();
  const kinesis = kinesisClient(server.endpoint);

  it("counts open shards and ON_DEMAND streams in the region", async () => {
    const empty = await kinesis.send(new DescribeLimitsCommand({}));
    assert.deepEqual(
      { ...empty, $metadata: undefined },
      { ShardLimit: 20000, OpenShardCount: 0, OnDemandStreamCount: 0, OnDemandStreamCountLimit: 50, $metadata: undefined },
    );
    await kinesis.send(new CreateStreamCommand({ StreamName: "three", ShardCount: 3 }));
    await kinesis.send(new CreateStreamCommand({ StreamName: "elastic", StreamModeDetails: { StreamMode: "ON_DEMAND" } }));
    const after = await kinesis.send(new DescribeLimitsCommand({}));
    assert.equal(after.OpenShardCount, 3 + 4);
    assert.equal(after.OnDemandStreamCount, 1);
    const elsewhere = await kinesisClient(server.endpoint, "h2", "eu-west-1").send(new DescribeLimitsCommand({}));
    assert.equal(elsewhere.OpenShardCount, 0);
  });
});

describe("account settings and warm throughput", async () => {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const server = await startServer({}, clock);
  const kinesis = kinesisClient(server.endpoint);

  it("keeps a minimum throughput commitment for at least a day", async () => {
    const initial = await kinesis.send(new DescribeAccountSettingsCommand({}));
    assert.deepEqual(initial.MinimumThroughputBillingCommitment, { Status: "DISABLED" });

    const enabled = await kinesis.send(new UpdateAccountSettingsCommand({ MinimumThroughputBillingCommitment: { Status: "ENABLED" } }));
    assert.deepEqual(enabled.MinimumThroughputBillingCommitment, {
      Status: "ENABLED",
      StartedAt: new Date(Date.UTC(2026, 0, 1)),
      EarliestAllowedEndAt: new Date(Date.UTC(2026, 0, 2)),
    });

    clock.advance(60 * 60 * 1000);
    const ending = await kinesis.send(new UpdateAccountSettingsCommand({ MinimumThroughputBillingCommitment: { Status: "DISABLED" } }));
    assert.equal(ending.MinimumThroughputBillingCommitment?.Status, "ENABLED_UNTIL_EARLIEST_ALLOWED_END");
    assert.deepEqual(ending.MinimumThroughputBillingCommitment?.EndedAt, new Date(Date.UTC(2026, 0, 2)));

    clock.set(Date.UTC(2026, 0, 2));
    const ended = await kinesis.send(new DescribeAccountSettingsCommand({}));
    assert.equal(ended.MinimumThroughputBillingCommitment?.Status, "DISABLED");
    const elsewhere = await kinesisClient(server.endpoint, "http1", "eu-west-1").send(new DescribeAccountSettingsCommand({}));
    assert.deepEqual(elsewhere.MinimumThroughputBillingCommitment, { Status: "DISABLED" });
  });

  it("sets warm throughput on ON_DEMAND streams once the commitment is enabled", async () => {
    await kinesis.send(new CreateStreamCommand({ StreamName: "warm", StreamModeDetails: { StreamMode: "ON_DEMAND" } }));
    await kinesis.send(new CreateStreamCommand({ StreamName: "cold", ShardCount: 1 }));
    await awsError(kinesis.send(new UpdateStreamWarmThroughputCommand({ StreamName: "warm", WarmThroughputMiBps: 100 })), "InvalidArgumentException");
    await kinesis.send(new UpdateAccountSettingsCommand({ MinimumThroughputBillingCommitment: { Status: "ENABLED" } }));
    const updated = await kinesis.send(new UpdateStreamWarmThroughputCommand({ StreamName: "warm", WarmThroughputMiBps: 100 }));
    assert.equal(updated.StreamName, "warm");
    assert.equal(updated.StreamARN, arnOf("warm"));
    assert.deepEqual(updated.WarmThroughput, { TargetMiBps: 100, CurrentMiBps: 100 });
    const { StreamDescriptionSummary } = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: "warm" }));
    assert.deepEqual(StreamDescriptionSummary?.WarmThroughput, { TargetMiBps: 100, CurrentMiBps: 100 });
    const provisioned = await awsError(
      kinesis.send(new UpdateStreamWarmThroughputCommand({ StreamARN: arnOf("cold"), WarmThroughputMiBps: 10 })),
      "InvalidArgumentException",
    );
    assert.match(provisioned.message, /ON_DEMAND/);
    await awsError(kinesis.send(new UpdateStreamWarmThroughputCommand({ StreamName: "warm", WarmThroughputMiBps: 10_241 })), "InvalidArgumentException");
  });
});

describe("UpdateMaxRecordSize", async () => {
  const server = await startServer();
  const kinesis = kinesisClient(server.endpoint);

  it("lets puts take larger records, up to 10 MiB", async () => {
    await kinesis.send(new CreateStreamCommand({ StreamName: "big", ShardCount: 1 }));
    const large = Buffer.alloc(1536 * 1024, 7);
    await awsError(kinesis.send(new PutRecordCommand({ StreamName: "big", PartitionKey: "p", Data: large })), "ValidationException");
    await kinesis.send(new UpdateMaxRecordSizeCommand({ StreamARN: arnOf("big"), MaxRecordSizeInKiB: 2048 }));
    const { StreamDescriptionSummary } = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: "big" }));
    assert.equal(StreamDescriptionSummary?.MaxRecordSizeInKiB, 2048);
    const put = await kinesis.send(new PutRecordCommand({ StreamName: "big", PartitionKey: "p", Data: large }));
    assert.equal(put.ShardId, "shardId-000000000000");
    const [record] = await readAll(kinesis, "big");
    assert.equal(record?.Data?.length, large.length);

    const small = await awsError(kinesis.send(new UpdateMaxRecordSizeCommand({ StreamARN: arnOf("big"), MaxRecordSizeInKiB: 512 })), "ValidationException");
    assert.equal(
      small.message,
      "1 validation error detected: Value '512' at 'maxRecordSizeInKiB' failed to satisfy constraint: Member must have value greater than or equal to 1024",
    );
    await awsError(kinesis.send(new UpdateMaxRecordSizeCommand({ MaxRecordSizeInKiB: 4096 })), "InvalidArgumentException");
    await awsError(kinesis.send(new UpdateMaxRecordSizeCommand({ StreamARN: arnOf("small"), MaxRecordSizeInKiB: 4096 })), "ResourceNotFoundException");
  });
});

describe("control-plane changes survive a restart", async () => {
  const dataDir = await tempDir();

  it("keeps tags, encryption, metrics, sizes, policies and account settings", async () => {
    const first = await startServer({ inMemory: false, dataDir });
    let kinesis = kinesisClient(first.endpoint);
    await kinesis.send(new CreateStreamCommand({ StreamName: "durable", StreamModeDetails: { StreamMode: "ON_DEMAND" } }));
    await kinesis.send(new AddTagsToStreamCommand({ StreamName: "durable", Tags: { keep: "me" } }));
    await kinesis.send(new StartStreamEncryptionCommand({ StreamName: "durable", EncryptionType: "KMS", KeyId: "arn:aws:kms:us-east-1:000000000000:key/k" }));
    await kinesis.send(new EnableEnhancedMonitoringCommand({ StreamName: "durable", ShardLevelMetrics: ["IncomingRecords"] }));
    await kinesis.send(new UpdateMaxRecordSizeCommand({ StreamARN: arnOf("durable"), MaxRecordSizeInKiB: 4096 }));
    await kinesis.send(new UpdateAccountSettingsCommand({ MinimumThroughputBillingCommitment: { Status: "ENABLED" } }));
    await kinesis.send(new UpdateStreamWarmThroughputCommand({ StreamName: "durable", WarmThroughputMiBps: 64 }));
    await kinesis.send(new PutResourcePolicyCommand({ ResourceARN: arnOf("durable"), Policy: policy(arnOf("durable")) }));
    const { Consumer } = await kinesis.send(new RegisterStreamConsumerCommand({ StreamARN: arnOf("durable"), ConsumerName: "c" }));
    const consumerArn = Consumer!.ConsumerARN!;
    await kinesis.send(new AddTagsToStreamCommand({ StreamName: "durable", Tags: { also: "kept" } }));
    await kinesis.send(new PutResourcePolicyCommand({ ResourceARN: consumerArn, Policy: policy(consumerArn) }));
    await first.stop();

    const second = await startServer({ inMemory: false, dataDir });
    kinesis = kinesisClient(second.endpoint);
    const { StreamDescriptionSummary: summary } = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: "durable" }));
    assert.equal(summary?.EncryptionType, "KMS");
    assert.equal(summary?.KeyId, "arn:aws:kms:us-east-1:000000000000:key/k");
    assert.deepEqual(summary?.EnhancedMonitoring, [{ ShardLevelMetrics: ["IncomingRecords"] }]);
    assert.equal(summary?.MaxRecordSizeInKiB, 4096);
    assert.deepEqual(summary?.WarmThroughput, { TargetMiBps: 64, CurrentMiBps: 64 });
    assert.deepEqual((await kinesis.send(new ListTagsForResourceCommand({ ResourceARN: arnOf("durable") }))).Tags, [
      { Key: "also", Value: "kept" },
      { Key: "keep", Value: "me" },
    ]);
    assert.equal((await kinesis.send(new GetResourcePolicyCommand({ ResourceARN: arnOf("durable") }))).Policy, policy(arnOf("durable")));
    assert.equal((await kinesis.send(new GetResourcePolicyCommand({ ResourceARN: consumerArn }))).Policy, policy(consumerArn));
    assert.equal((await kinesis.send(new DescribeAccountSettingsCommand({}))).MinimumThroughputBillingCommitment?.Status, "ENABLED");
  });
});
