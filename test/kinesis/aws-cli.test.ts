/** The common `aws kinesis` commands, as a user types them, through Debian's AWS CLI v2 (JSON 1.1 over HTTP/1.1). */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { aws, awsCliMissing } from "../support/aws-cli.js";
import { startServer } from "../support/server.js";

describe("aws kinesis", { skip: awsCliMissing }, async () => {
  const server = await startServer();
  const kinesis = (...args: string[]) => aws(server.endpoint, ["kinesis", ...args]);
  const json = async (...args: string[]) => {
    const result = await kinesis(...args);
    assert.equal(result.code, 0, result.stderr);
    return result.stdout.trim() === "" ? {} : (JSON.parse(result.stdout) as Record<string, any>);
  };

  it("creates a stream, writes, reads and deletes it", async () => {
    await json("create-stream", "--stream-name", "cli", "--shard-count", "2");
    const summary = await json("describe-stream-summary", "--stream-name", "cli");
    assert.equal(summary.StreamDescriptionSummary.StreamStatus, "ACTIVE");
    assert.equal(summary.StreamDescriptionSummary.OpenShardCount, 2);
    assert.deepEqual((await json("list-streams")).StreamNames, ["cli"]);

    const put = await json("put-record", "--stream-name", "cli", "--partition-key", "user-1", "--data", "aGVsbG8=");
    const records = await json(
      "put-records",
      "--stream-name",
      "cli",
      "--records",
      JSON.stringify([
        { PartitionKey: "user-1", Data: "d29ybGQ=" },
        { PartitionKey: "user-1", Data: "IQ==" },
      ]),
    );
    assert.equal(records.FailedRecordCount, 0);
    const iterator = await json(
      "get-shard-iterator",
      "--stream-name",
      "cli",
      "--shard-id",
      put.ShardId,
      "--shard-iterator-type",
      "AT_SEQUENCE_NUMBER",
      "--starting-sequence-number",
      put.SequenceNumber,
    );
    const read = await json("get-records", "--shard-iterator", iterator.ShardIterator);
    assert.deepEqual(
      read.Records.map((r: { Data: string }) => Buffer.from(r.Data, "base64").toString()),
      ["hello", "world", "!"],
    );
    assert.equal(typeof read.Records[0].ApproximateArrivalTimestamp, "string", "the CLI parsed and printed the timestamp");

    await json("delete-stream", "--stream-name", "cli");
    const missing = await kinesis("describe-stream", "--stream-name", "cli");
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /ResourceNotFoundException.*Stream cli under account 000000000000 not found\./s);
  });

  it("reports the service's errors as AWS does", async () => {
    await json("create-stream", "--stream-name", "cli-retention", "--shard-count", "1");
    const tooLong = await kinesis("increase-stream-retention-period", "--stream-name", "cli-retention", "--retention-period-hours", "9000");
    assert.notEqual(tooLong.code, 0);
    assert.match(tooLong.stderr, /InvalidArgumentException.*Maximum allowed retention period is 8760 hours/s);
  });
});
