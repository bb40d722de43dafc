/** The common `aws firehose` commands, as a user types them, through Debian's AWS CLI v2 (JSON 1.1 over HTTP/1.1). */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { aws, awsCliMissing } from "../support/aws-cli.js";
import { readObjects } from "../support/firehose.js";
import { startServer } from "../support/server.js";
import { tempDir } from "../support/temp-dir.js";

describe("aws firehose", { skip: awsCliMissing }, async () => {
  const dir = await tempDir();
  const server = await startServer({}, undefined, undefined, dir);
  const firehose = (...args: string[]) => aws(server.endpoint, ["firehose", ...args]);
  const json = async (...args: string[]) => {
    const result = await firehose(...args);
    assert.equal(result.code, 0, result.stderr);
    return result.stdout.trim() === "" ? {} : (JSON.parse(result.stdout) as Record<string, any>);
  };

  it("creates a stream, puts records, delivers them, deletes the stream", async () => {
    const created = await json(
      "create-delivery-stream",
      "--delivery-stream-name",
      "cli",
      "--extended-s3-destination-configuration",
      JSON.stringify({
        RoleARN: "arn:aws:iam::000000000000:role/firehose",
        BucketARN: "arn:aws:s3:::cli-bucket",
        BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 900 },
      }),
    );
    assert.equal(created.DeliveryStreamARN, "arn:aws:firehose:us-east-1:000000000000:deliverystream/cli");
    const described = await json("describe-delivery-stream", "--delivery-stream-name", "cli");
    assert.equal(described.DeliveryStreamDescription.DeliveryStreamStatus, "ACTIVE");
    assert.deepEqual((await json("list-delivery-streams")).DeliveryStreamNames, ["cli"]);
    const put = await json("put-record", "--delivery-stream-name", "cli", "--record", "Data=aGVsbG8K", "--cli-binary-format", "base64");
    assert.ok(put.RecordId);
    const batch = await json(
      "put-record-batch",
      "--delivery-stream-name",
      "cli",
      "--records",
      JSON.stringify([{ Data: "d29ybGQK" }]),
      "--cli-binary-format",
      "base64",
    );
    assert.equal(batch.FailedPutCount, 0);
    const missing = await firehose("describe-delivery-stream", "--delivery-stream-name", "nope");
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /ResourceNotFoundException.*Firehose nope under account 000000000000 not found\./);
    await server.stop();
    assert.deepEqual([...(await readObjects(dir, "cli-bucket")).values()].map(String), ["hello\nworld\n"]);
  });
});
