/** Firehose streams declared in the config file exist when the server starts, checked as CreateDeliveryStream checks them. */
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { it } from "node:test";
import { DescribeDeliveryStreamCommand, ListDeliveryStreamsCommand, PutRecordCommand } from "@aws-sdk/client-firehose";
import { exitOf, startCli } from "../support/cli.js";
import { firehoseClient } from "../support/firehose.js";
import { tempDir } from "../support/temp-dir.js";

const config = [
  "firehose:",
  "  deliveryStreams:",
  "    - DeliveryStreamName: clicks",
  "      DeliveryStreamType: DirectPut",
  "      ExtendedS3DestinationConfiguration:",
  "        RoleARN: arn:aws:iam::000000000000:role/firehose",
  "        BucketARN: arn:aws:s3:::lake",
  "        Prefix: clicks/",
  "        CompressionFormat: GZIP",
  "        BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 60 }",
  "      Tags: [{ Key: team, Value: web }]",
  "    - DeliveryStreamName: west",
  "      region: eu-west-1",
  "      S3DestinationConfiguration: { RoleARN: 'arn:aws:iam::000000000000:role/firehose', BucketARN: 'arn:aws:s3:::west' }",
  "",
].join("\n");

it("creates the Firehose streams a YAML config declares, once, and keeps them across restarts", async () => {
  const dir = await tempDir();
  const file = join(dir, "freshet.yaml");
  await writeFile(file, config);
  const first = await startCli(["--config", file, "--data-dir", join(dir, "data")]);
  assert.ok(first.logs.some((entry) => entry.msg === "created declared Firehose streams"));
  const firehose = firehoseClient(first.endpoint);
  const clicks = (await firehose.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: "clicks" }))).DeliveryStreamDescription!;
  const s3 = clicks.Destinations![0]!.ExtendedS3DestinationDescription!;
  assert.equal(s3.Prefix, "clicks/");
  assert.equal(s3.CompressionFormat, "GZIP");
  assert.deepEqual(s3.BufferingHints, { SizeInMBs: 1, IntervalInSeconds: 60 });
  assert.deepEqual((await firehose.send(new ListDeliveryStreamsCommand({}))).DeliveryStreamNames, ["clicks"]);
  const west = firehoseClient(first.endpoint, "eu-west-1");
  assert.deepEqual((await west.send(new ListDeliveryStreamsCommand({}))).DeliveryStreamNames, ["west"]);
  await firehose.send(new PutRecordCommand({ DeliveryStreamName: "clicks", Record: { Data: Buffer.from("kept") } }));
  first.child.kill("SIGTERM");
  assert.equal(await exitOf(first.child), 0);

  const second = await startCli(["--config", file, "--data-dir", join(dir, "data")]);
  assert.ok(!second.logs.some((entry) => entry.msg === "created declared Firehose streams"), "nothing to create the second time");
  const again = firehoseClient(second.endpoint);
  const after = (await again.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: "clicks" }))).DeliveryStreamDescription!;
  assert.equal(after.CreateTimestamp?.getTime(), clicks.CreateTimestamp?.getTime());
  second.child.kill("SIGTERM");
  assert.equal(await exitOf(second.child), 0);
});

it("a declaration CreateDeliveryStream would refuse stops the server with the service's error, naming it", async () => {
  const dir = await tempDir();
  const file = join(dir, "freshet.yaml");
  await writeFile(
    file,
    "firehose:\n  deliveryStreams:\n    - DeliveryStreamName: broken\n      ExtendedS3DestinationConfiguration: { RoleARN: 'arn:aws:iam::000000000000:role/r', BucketARN: 'arn:aws:s3:::b', BufferingHints: { SizeInMBs: 500 } }\n",
  );
  await assert.rejects(
    startCli(["--config", file, "--in-memory"]),
    /firehose\.deliveryStreams\[0\] \(broken\): ValidationException: .*sizeInMBs.*less than or equal to 128/s,
  );
});
