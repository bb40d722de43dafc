/**
 * Dynamic partitioning end to end, as a user sets it up: MetadataExtraction (jq) keys in the Prefix, records for
 * many keys in one object per key, per-key order kept, failures under ErrorOutputPrefix in AWS's failure format,
 * the 500-active-partitions limit, and AppendDelimiterToRecord.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { CreateDeliveryStreamCommand, type Processor } from "@aws-sdk/client-firehose";
import { partitionedByCustomer, pipelineStart, putTexts, readObjects, roleArn, startPipelineServer } from "../support/firehose.js";

const start = pipelineStart;
const timeout = 60_000;

function partitionedDestination(processors: readonly Processor[]) {
  return partitionedByCustomer({
    prefix: "customer=!{partitionKeyFromQuery:customer}/!{timestamp:yyyy}/",
    errorOutputPrefix: "errors/!{firehose:error-output-type}/!{timestamp:yyyy}/",
    processors,
  });
}

async function setup(name: string, processors: readonly Processor[] = []) {
  const { clock, dir, server, firehose } = await startPipelineServer();
  await firehose.send(
    new CreateDeliveryStreamCommand({ DeliveryStreamName: name, ExtendedS3DestinationConfiguration: partitionedDestination(processors) }),
  );
  const put = (records: readonly string[]) => putTexts(firehose, name, records);

  const flush = async () => {
    clock.advance(60_000);
    await server.delivery.whenIdle();
    return readObjects(dir, "bucket");
  };
  return { clock, dir, server, put, flush };
}

/** A JSON record per (customer, n): n counts up per customer, so order per key is checkable. */
function event(customer: number, n: number): string {
  return JSON.stringify({ customer_id: `c${customer}`, n });
}

function jsonLines(body: Buffer): Record<string, unknown>[] {
  return body
    .toString("utf8")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

test("50 keys land in one object each under their prefix, in order; a non-JSON record goes to the error prefix", { timeout }, async () => {
  const { server, put, flush } = await setup("partitioned");
  await server.delivery.whenIdle();
  const records: string[] = [];
  for (let n = 0; n < 4; n++) for (let customer = 0; customer < 50; customer++) records.push(event(customer, n));
  records.splice(77, 0, "not json at all");
  await put(records);
  const objects = await flush();
  const errors = [...objects].filter(([key]) => key.startsWith("errors/"));
  const delivered = [...objects].filter(([key]) => !key.startsWith("errors/"));
  assert.equal(delivered.length, 50);
  for (let customer = 0; customer < 50; customer++) {
    const matching = delivered.filter(([key]) => key.startsWith(`customer=c${customer}/2026/`));
    assert.equal(matching.length, 1, `one object for c${customer}`);
    const [key, body] = matching[0]!;
    assert.match(key, /^customer=c\d+\/2026\/partitioned-1-2026-01-01-13-04-05-[0-9a-f-]{36}$/);
    assert.equal(body.toString("utf8"), [0, 1, 2, 3].map((n) => event(customer, n)).join(""));
  }
  assert.equal(errors.length, 1);
  const [errorKey, errorBody] = errors[0]!;
  assert.match(errorKey, /^errors\/partitioning-failed\/2026\/partitioned-1-2026-01-01-13-04-05-[0-9a-f-]{36}$/);
  const [failure, ...more] = jsonLines(errorBody);
  assert.equal(more.length, 0);
  assert.deepEqual(Object.keys(failure!).slice(0, 6), ["attemptsMade", "arrivalTimestamp", "errorCode", "errorMessage", "attemptEndingTimestamp", "rawData"]);
  assert.equal(failure!.arrivalTimestamp, start);
  assert.equal(failure!.errorCode, "DynamicPartitioning.MetadataExtractionFailed");
  assert.equal(failure!.errorMessage, "Non JSON record provided");
  assert.equal(Buffer.from(failure!.rawData as string, "base64").toString("utf8"), "not json at all");
});

test("the 501st active partition of a flush window goes to the error output", { timeout }, async () => {
  const { put, flush } = await setup("many");
  const records = Array.from({ length: 501 }, (_, customer) => event(customer, 0));
  await put(records);
  // A record for a partition already open still joins it (even while the loop is still extracting the others' keys).
  await put([event(0, 1)]);
  const objects = await flush();
  const delivered = [...objects].filter(([key]) => key.startsWith("customer="));
  const errors = [...objects].filter(([key]) => key.startsWith("errors/"));
  assert.equal(delivered.length, 500);
  assert.equal(delivered.find(([key]) => key.startsWith("customer=c0/"))![1].toString("utf8"), event(0, 0) + event(0, 1));
  assert.equal(errors.length, 1);
  assert.match(errors[0]![0], /^errors\/partitioning-failed\/2026\//);
  const failures = jsonLines(errors[0]![1]);
  assert.equal(failures.length, 1);
  assert.equal(failures[0]!.errorCode, "DynamicPartitioning.ActivePartitionsLimitExceeded");
  assert.equal(Buffer.from(failures[0]!.rawData as string, "base64").toString("utf8"), event(500, 0));
  // Once the window's partitions are delivered, the key that overflowed is an ordinary partition again.
  await put([event(500, 1)]);
  const after = await flush();
  assert.equal([...after.keys()].filter((key) => key.startsWith("customer=c500/")).length, 1);
});

test("AppendDelimiterToRecord makes each partition's object newline-delimited", { timeout }, async () => {
  const { put, flush } = await setup("lines", [{ Type: "AppendDelimiterToRecord" }]);
  await put([event(1, 0), event(2, 0), event(1, 1), event(2, 1)]);
  const objects = await flush();
  assert.equal(objects.size, 2);
  for (const customer of [1, 2]) {
    const [body] = [...objects].filter(([key]) => key.startsWith(`customer=c${customer}/`)).map(([, value]) => value);
    assert.equal(body!.toString("utf8"), `${event(customer, 0)}\n${event(customer, 1)}\n`);
  }
});
