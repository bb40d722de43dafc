/**
 * A dynamically partitioned stream as a user makes it with Debian's AWS CLI v2: create-delivery-stream with an
 * --extended-s3-destination-configuration holding ProcessingConfiguration and DynamicPartitioningConfiguration,
 * describe-delivery-stream's output, and records put with the CLI delivered under their partitions; an HTTP endpoint
 * destination created, described and updated.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { aws, awsCliMissing } from "../support/aws-cli.js";
import { ManualClock } from "../support/clock.js";
import { readObjects } from "../support/firehose.js";
import { startServer } from "../support/server.js";
import { tempDir } from "../support/temp-dir.js";

const configuration = {
  RoleARN: "arn:aws:iam::000000000000:role/firehose",
  BucketARN: "arn:aws:s3:::cli-bucket",
  Prefix: "team=!{partitionKeyFromQuery:team}/!{timestamp:yyyy}/",
  ErrorOutputPrefix: "errors/!{firehose:error-output-type}/",
  BufferingHints: { SizeInMBs: 64, IntervalInSeconds: 60 },
  DynamicPartitioningConfiguration: { Enabled: true, RetryOptions: { DurationInSeconds: 300 } },
  ProcessingConfiguration: {
    Enabled: true,
    Processors: [
      {
        Type: "MetadataExtraction",
        Parameters: [
          { ParameterName: "MetadataExtractionQuery", ParameterValue: "{team:.team}" },
          { ParameterName: "JsonParsingEngine", ParameterValue: "JQ-1.6" },
        ],
      },
      { Type: "AppendDelimiterToRecord", Parameters: [] },
    ],
  },
};

describe("aws firehose with dynamic partitioning", { skip: awsCliMissing, timeout: 120_000 }, async () => {
  const clock = new ManualClock(Date.UTC(2026, 4, 6, 7, 8, 9));
  const dir = await tempDir();
  const server = await startServer({}, clock, { delivery: { createDelayMs: 0 } }, dir);
  const json = async (...args: string[]) => {
    const result = await aws(server.endpoint, ["firehose", ...args]);
    assert.equal(result.code, 0, result.stderr);
    return result.stdout.trim() === "" ? {} : (JSON.parse(result.stdout) as Record<string, any>);
  };

  it("creates the stream, describes it as configured, and delivers records put with the CLI under their partitions", async () => {
    await json("create-delivery-stream", "--delivery-stream-name", "by-team", "--extended-s3-destination-configuration", JSON.stringify(configuration));
    const { DeliveryStreamDescription: description } = await json("describe-delivery-stream", "--delivery-stream-name", "by-team");
    assert.equal(description.DeliveryStreamStatus, "ACTIVE");
    assert.equal(description.DeliveryStreamType, "DirectPut");
    const destination = description.Destinations[0].ExtendedS3DestinationDescription;
    assert.equal(destination.Prefix, configuration.Prefix);
    assert.equal(destination.ErrorOutputPrefix, configuration.ErrorOutputPrefix);
    assert.deepEqual(destination.BufferingHints, configuration.BufferingHints);
    assert.deepEqual(destination.DynamicPartitioningConfiguration, configuration.DynamicPartitioningConfiguration);
    assert.equal(destination.ProcessingConfiguration.Enabled, true);
    assert.deepEqual(
      destination.ProcessingConfiguration.Processors.map((processor: { Type: string }) => processor.Type),
      ["MetadataExtraction", "AppendDelimiterToRecord"],
    );
    assert.deepEqual(destination.ProcessingConfiguration.Processors[0].Parameters, configuration.ProcessingConfiguration.Processors[0]!.Parameters);

    const records = [{ team: "red" }, { team: "blue" }, { team: "red", n: 2 }].map((record) => ({
      Data: Buffer.from(JSON.stringify(record)).toString("base64"),
    }));
    const batch = await json("put-record-batch", "--delivery-stream-name", "by-team", "--records", JSON.stringify(records), "--cli-binary-format", "base64");
    assert.equal(batch.FailedPutCount, 0);
    clock.advance(60_000);
    await server.delivery.whenIdle();
    const objects = await readObjects(dir, "cli-bucket");
    assert.deepEqual(
      [...objects].map(([key, body]) => [key.split("/").slice(0, 2).join("/"), body.toString("utf8")]).sort(),
      [
        ["team=blue/2026", '{"team":"blue"}\n'],
        ["team=red/2026", '{"team":"red"}\n{"team":"red","n":2}\n'],
      ],
    );
  });
});

describe("aws firehose with an HTTP endpoint destination", { skip: awsCliMissing, timeout: 120_000 }, async () => {
  const server = await startServer({}, undefined, { delivery: { createDelayMs: 0 } });
  const json = async (...args: string[]) => {
    const result = await aws(server.endpoint, ["firehose", ...args]);
    assert.equal(result.code, 0, result.stderr);
    return result.stdout.trim() === "" ? {} : (JSON.parse(result.stdout) as Record<string, any>);
  };

  // Debian's CLI carries an older model, where an HTTP endpoint's IntervalInSeconds is at least 60.
  it("creates, describes and updates it", async () => {
    await json(
      "create-delivery-stream",
      "--delivery-stream-name",
      "to-http",
      "--http-endpoint-destination-configuration",
      JSON.stringify({
        EndpointConfiguration: { Url: "https://example.com/ingest", Name: "example", AccessKey: "hidden" },
        BufferingHints: { SizeInMBs: 2, IntervalInSeconds: 60 },
        RequestConfiguration: { ContentEncoding: "GZIP", CommonAttributes: [{ AttributeName: "env", AttributeValue: "test" }] },
        RetryOptions: { DurationInSeconds: 60 },
        S3BackupMode: "FailedDataOnly",
        S3Configuration: { RoleARN: "arn:aws:iam::000000000000:role/firehose", BucketARN: "arn:aws:s3:::backup" },
      }),
    );
    let described = (await json("describe-delivery-stream", "--delivery-stream-name", "to-http")).DeliveryStreamDescription;
    let destination = described.Destinations[0].HttpEndpointDestinationDescription;
    assert.deepEqual(destination.EndpointConfiguration, { Url: "https://example.com/ingest", Name: "example" });
    assert.deepEqual(destination.BufferingHints, { SizeInMBs: 2, IntervalInSeconds: 60 });
    assert.deepEqual(destination.RequestConfiguration, { ContentEncoding: "GZIP", CommonAttributes: [{ AttributeName: "env", AttributeValue: "test" }] });
    assert.deepEqual(destination.RetryOptions, { DurationInSeconds: 60 });
    assert.equal(destination.S3BackupMode, "FailedDataOnly");
    assert.equal(destination.S3DestinationDescription.BucketARN, "arn:aws:s3:::backup");

    await json(
      "update-destination",
      "--delivery-stream-name",
      "to-http",
      "--current-delivery-stream-version-id",
      described.VersionId,
      "--destination-id",
      described.Destinations[0].DestinationId,
      "--http-endpoint-destination-update",
      JSON.stringify({ RetryOptions: { DurationInSeconds: 0 }, BufferingHints: { SizeInMBs: 4, IntervalInSeconds: 120 } }),
    );
    described = (await json("describe-delivery-stream", "--delivery-stream-name", "to-http")).DeliveryStreamDescription;
    destination = described.Destinations[0].HttpEndpointDestinationDescription;
    assert.equal(described.VersionId, "2");
    assert.deepEqual(destination.RetryOptions, { DurationInSeconds: 0 });
    assert.deepEqual(destination.BufferingHints, { SizeInMBs: 4, IntervalInSeconds: 120 });
    assert.deepEqual(destination.EndpointConfiguration, { Url: "https://example.com/ingest", Name: "example" });
  });
});
