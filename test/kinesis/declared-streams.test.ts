/** Streams declared in the config file exist when the server starts. */
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { it } from "node:test";
import { DescribeStreamSummaryCommand, ListStreamConsumersCommand, ListStreamsCommand, PutRecordCommand } from "@aws-sdk/client-kinesis";
import { exitOf, startCli } from "../support/cli.js";
import { kinesisClient } from "../support/kinesis.js";
import { tempDir } from "../support/temp-dir.js";

it("creates the streams a YAML config declares, once, and keeps them across restarts", async () => {
  const dir = await tempDir();
  const config = join(dir, "freshet.yaml");
  await writeFile(
    config,
    [
      "kinesis:",
      "  streams:",
      "    - name: clicks",
      "      shardCount: 4",
      "      retentionHours: 48",
      "      tags: { team: web }",
      "    - name: audit",
      "      mode: ON_DEMAND",
      "      consumers: [archiver, indexer]",
      "    - name: west",
      "      region: eu-west-1",
      "",
    ].join("\n"),
  );
  const first = await startCli(["--config", config, "--data-dir", join(dir, "data")]);
  const kinesis = kinesisClient(first.endpoint);
  const clicks = (await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: "clicks" }))).StreamDescriptionSummary!;
  assert.equal(clicks.OpenShardCount, 4);
  assert.equal(clicks.RetentionPeriodHours, 48);
  const audit = (await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: "audit" }))).StreamDescriptionSummary!;
  assert.equal(audit.StreamModeDetails?.StreamMode, "ON_DEMAND");
  const consumers = await kinesis.send(new ListStreamConsumersCommand({ StreamARN: audit.StreamARN }));
  assert.deepEqual(consumers.Consumers?.map((c) => [c.ConsumerName, c.ConsumerStatus]).sort(), [
    ["archiver", "ACTIVE"],
    ["indexer", "ACTIVE"],
  ]);
  assert.deepEqual((await kinesis.send(new ListStreamsCommand({}))).StreamNames, ["audit", "clicks"]);
  const west = kinesisClient(first.endpoint, "h2", "eu-west-1");
  assert.deepEqual((await west.send(new ListStreamsCommand({}))).StreamNames, ["west"]);
  const put = await kinesis.send(new PutRecordCommand({ StreamName: "clicks", PartitionKey: "k", Data: Buffer.from("kept") }));
  first.child.kill("SIGTERM");
  assert.equal(await exitOf(first.child), 0);

  const second = await startCli(["--config", config, "--data-dir", join(dir, "data")]);
  assert.ok(!second.logs.some((entry) => entry.msg === "created declared streams"), "nothing to create the second time");
  const again = kinesisClient(second.endpoint);
  const after = (await again.send(new DescribeStreamSummaryCommand({ StreamName: "clicks" }))).StreamDescriptionSummary!;
  const auditAgain = (await again.send(new DescribeStreamSummaryCommand({ StreamName: "audit" }))).StreamDescriptionSummary!;
  assert.equal(auditAgain.ConsumerCount, 2, "declared consumers are not registered twice");
  assert.equal(after.StreamCreationTimestamp?.getTime(), clicks.StreamCreationTimestamp?.getTime());
  const next = await again.send(new PutRecordCommand({ StreamName: "clicks", PartitionKey: "k", Data: Buffer.from("more") }));
  assert.ok(BigInt(next.SequenceNumber!) > BigInt(put.SequenceNumber!));
  second.child.kill("SIGTERM");
  assert.equal(await exitOf(second.child), 0);
});

it("rejects a malformed declaration, naming it", async () => {
  const dir = await tempDir();
  const config = join(dir, "freshet.yaml");
  await writeFile(config, "kinesis:\n  streams:\n    - name: 'bad name'\n      shardCount: 0\n");
  await assert.rejects(startCli(["--config", config, "--in-memory"]), /kinesis\.streams\.0\.name.*kinesis\.streams\.0\.shardCount/s);
});
