/**
 * Lambda data transformation end to end: a local HTTP "function" mapped in `firehose.lambdaFunctions`, records
 * transformed (Ok), dropped (Dropped) or failed (ProcessingFailed, written as processing-failed objects), and
 * Lambda-supplied partition keys in `!{partitionKeyFromLambda:…}`.
 */
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { after, test } from "node:test";
import { CreateDeliveryStreamCommand, PutRecordBatchCommand } from "@aws-sdk/client-firehose";
import { defaultSettings } from "../../src/config/config.js";
import { jsonLines, pipelineStart, putTexts, readObjects, roleArn, startPipelineServer } from "../support/firehose.js";
import { startLambdaFunction, type TransformationEvent, type TransformationReply } from "../support/lambda-function.js";

const start = pipelineStart;
const timeout = 30_000;
const lambdaArn = "arn:aws:lambda:us-east-1:000000000000:function:transform";

const lambdaProcessing = {
  Enabled: true,
  Processors: [{ Type: "Lambda" as const, Parameters: [{ ParameterName: "LambdaArn" as const, ParameterValue: `${lambdaArn}:$LATEST` }] }],
};

async function setup(
  name: string,
  handle: (event: TransformationEvent) => TransformationReply | Promise<TransformationReply>,
  destination: Record<string, unknown>,
) {
  const lambda = await startLambdaFunction(handle);
  const { clock, dir, server, firehose } = await startPipelineServer({
    firehose: { ...defaultSettings.firehose, lambdaFunctions: { [lambdaArn]: lambda.url } },
  });
  await firehose.send(
    new CreateDeliveryStreamCommand({
      DeliveryStreamName: name,
      ExtendedS3DestinationConfiguration: {
        RoleARN: roleArn,
        BucketARN: "arn:aws:s3:::bucket",
        BufferingHints: { SizeInMBs: 5, IntervalInSeconds: 60 },
        ErrorOutputPrefix: "errors/!{firehose:error-output-type}/",
        ProcessingConfiguration: lambdaProcessing,
        ...destination,
      },
    }),
  );
  const put = (records: readonly string[]) => putTexts(firehose, name, records);
  const flush = async () => {
    clock.advance(60_000);
    await server.delivery.whenIdle();
    return readObjects(dir, "bucket");
  };
  return { lambda, put, flush };
}

const decode = (data: string) => Buffer.from(data, "base64").toString("utf8");
const encode = (text: string) => Buffer.from(text).toString("base64");

test("Ok records are delivered as transformed, Dropped ones vanish, ProcessingFailed ones become processing-failed objects", { timeout }, async () => {
  const { lambda, put, flush } = await setup(
    "transformed",
    (event) => ({
      records: event.records.map(({ recordId, data }) => {
        const text = decode(data);
        if (text.startsWith("drop")) return { recordId, result: "Dropped" };
        if (text.startsWith("fail")) return { recordId, result: "ProcessingFailed", data };
        return { recordId, result: "Ok", data: encode(`${text.toUpperCase()}\n`) };
      }),
    }),
    { Prefix: "out/" },
  );
  await put(["one", "drop-me", "two", "fail-me", "three"]);
  const objects = await flush();
  assert.equal(lambda.events.length, 1);
  const [event] = lambda.events;
  assert.equal(event!.deliveryStreamArn, "arn:aws:firehose:us-east-1:000000000000:deliverystream/transformed");
  assert.equal(event!.region, "us-east-1");
  assert.equal(event!.sourceKinesisStreamArn, undefined);
  assert.deepEqual(
    event!.records.map((record) => [decode(record.data), record.approximateArrivalTimestamp]),
    ["one", "drop-me", "two", "fail-me", "three"].map((text) => [text, start]),
  );
  assert.equal(new Set(event!.records.map((record) => record.recordId)).size, 5);

  const delivered = [...objects].filter(([key]) => key.startsWith("out/"));
  assert.equal(delivered.length, 1);
  assert.match(delivered[0]![0], /^out\/2026\/01\/01\/13\/transformed-1-2026-01-01-13-04-05-[0-9a-f-]{36}$/);
  assert.equal(delivered[0]![1].toString("utf8"), "ONE\nTWO\nTHREE\n");

  const errors = [...objects].filter(([key]) => key.startsWith("errors/"));
  assert.equal(errors.length, 1);
  assert.match(errors[0]![0], /^errors\/processing-failed\/transformed-1-2026-01-01-13-04-05-[0-9a-f-]{36}$/);
  const failures = jsonLines(errors[0]![1]);
  assert.equal(failures.length, 1);
  assert.deepEqual(failures[0], {
    attemptsMade: 1,
    arrivalTimestamp: start,
    errorCode: "Lambda.ProcessingFailedStatus",
    errorMessage: "ProcessingFailed status set for record",
    attemptEndingTimestamp: start + 60_000,
    rawData: encode("fail-me"),
    lambdaARN: `${lambdaArn}:$LATEST`,
  });
});

test("partition keys the Lambda returns fill !{partitionKeyFromLambda:…}", { timeout }, async () => {
  const { put, flush } = await setup(
    "by-lambda",
    (event) => ({
      records: event.records.map(({ recordId, data }) => {
        const { region, n } = JSON.parse(decode(data)) as { region: string; n: number };
        return { recordId, result: "Ok", data: encode(`${n}\n`), metadata: { partitionKeys: { region, parity: n % 2 === 0 ? "even" : "odd" } } };
      }),
    }),
    {
      Prefix: "region=!{partitionKeyFromLambda:region}/parity=!{partitionKeyFromLambda:parity}/",
      DynamicPartitioningConfiguration: { Enabled: true },
      BufferingHints: { SizeInMBs: 64, IntervalInSeconds: 60 },
    },
  );
  const regions = ["eu", "us", "ap"];
  await put(Array.from({ length: 12 }, (_, n) => JSON.stringify({ region: regions[n % 3], n })));
  const objects = await flush();
  assert.equal(objects.size, 6);
  for (const [i, region] of regions.entries()) {
    for (const parity of ["even", "odd"]) {
      const matching = [...objects].filter(([key]) => key.startsWith(`region=${region}/parity=${parity}/by-lambda-1-`));
      assert.equal(matching.length, 1, `${region}/${parity}`);
      const expected = Array.from({ length: 12 }, (_, n) => n).filter((n) => n % 3 === i && (n % 2 === 0) === (parity === "even"));
      assert.equal(matching[0]![1].toString("utf8"), expected.map((n) => `${n}\n`).join(""));
    }
  }
});

test("a function that keeps failing: NumberOfRetries more invocations, then the batch becomes processing-failed", { timeout }, async () => {
  let invocations = 0;
  const failing = http.createServer((_request, response) => {
    invocations++;
    response.writeHead(500, { "content-type": "application/json" }).end('{"errorMessage":"boom"}');
  });
  await new Promise<void>((resolve) => failing.listen(0, "127.0.0.1", resolve));
  after(() => {
    failing.closeAllConnections();
    return new Promise<void>((resolve) => failing.close(() => resolve()));
  });
  const url = `http://127.0.0.1:${(failing.address() as AddressInfo).port}/`;
  const { clock, dir, server, firehose } = await startPipelineServer({
    firehose: { ...defaultSettings.firehose, lambdaFunctions: { [lambdaArn]: url } },
  });
  await firehose.send(
    new CreateDeliveryStreamCommand({
      DeliveryStreamName: "broken",
      ExtendedS3DestinationConfiguration: {
        RoleARN: roleArn,
        BucketARN: "arn:aws:s3:::bucket",
        BufferingHints: { SizeInMBs: 5, IntervalInSeconds: 60 },
        ProcessingConfiguration: {
          Enabled: true,
          Processors: [
            {
              Type: "Lambda",
              Parameters: [
                { ParameterName: "LambdaArn", ParameterValue: lambdaArn },
                { ParameterName: "NumberOfRetries", ParameterValue: "1" },
              ],
            },
          ],
        },
      },
    }),
  );
  await firehose.send(new PutRecordBatchCommand({ DeliveryStreamName: "broken", Records: [{ Data: Buffer.from("a") }, { Data: Buffer.from("b") }] }));
  clock.advance(60_000);
  await server.delivery.whenIdle();
  assert.equal(invocations, 2);
  const objects = await readObjects(dir, "bucket");
  assert.equal(objects.size, 1);
  const [key, body] = [...objects][0]!;
  // No ErrorOutputPrefix: the failure kind and the hour follow the bucket's root.
  assert.match(key, /^processing-failed\/2026\/01\/01\/13\/broken-1-2026-01-01-13-04-05-[0-9a-f-]{36}$/);
  const failures = jsonLines(body);
  assert.deepEqual(
    failures.map(({ attemptsMade, errorCode, rawData }) => [attemptsMade, errorCode, decode(rawData as string)]),
    [
      [2, "Lambda.FunctionError", "a"],
      [2, "Lambda.FunctionError", "b"],
    ],
  );
});

test("records that arrive within the interval while the Lambda is still working join the same object", { timeout }, async () => {
  let invoked!: () => void;
  const firstInvocation = new Promise<void>((resolve) => (invoked = resolve));
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const { lambda, put, flush } = await setup(
    "slow",
    async (event) => {
      invoked();
      await released;
      return { records: event.records.map(({ recordId, data }) => ({ recordId, result: "Ok" as const, data })) };
    },
    { Prefix: "out/" },
  );
  await put(["first\n"]);
  await firstInvocation;
  // Put while the first record is still with the Lambda; then the interval passes.
  await put(["second\n"]);
  const flushed = flush();
  release();
  const objects = await flushed;
  assert.equal(lambda.events.length, 2);
  assert.deepEqual([...objects.values()].map(String), ["first\nsecond\n"]);
});
