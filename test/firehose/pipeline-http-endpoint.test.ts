/**
 * HTTP endpoint destinations end to end: a local endpoint answering as the Firehose HTTP endpoint specification
 * demands gets the records (base64, request id, access key, gzip); one that fails, or never answers, ends in
 * http-endpoint-failed objects in the S3 backup bucket (s3rver, read with the AWS SDK's S3 client); S3BackupMode
 * AllData backs up every record; UpdateDestination moves the stream to another endpoint.
 */
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { after, test } from "node:test";
import { gunzipSync } from "node:zlib";
import {
  CreateDeliveryStreamCommand,
  DescribeDeliveryStreamCommand,
  type HttpEndpointDestinationConfiguration,
  UpdateDestinationCommand,
} from "@aws-sdk/client-firehose";
import { ManualClock } from "../support/clock.js";
import { firehoseClient, jsonLines, putTexts, roleArn } from "../support/firehose.js";
import { getObjects, RunningS3rver, s3Client, s3rverCredentials } from "../support/s3rver.js";
import { startServer } from "../support/server.js";

const start = Date.UTC(2026, 0, 1, 13, 4, 5);
const timeout = 30_000;

interface ReceivedRequest {
  readonly headers: http.IncomingHttpHeaders;
  readonly body: { requestId: string; timestamp: number; records: Array<{ data: string }> };
}

type Behaviour = "accept" | "fail" | "hang";

/** A local HTTP endpoint: accepts as the specification demands, answers 500, or never answers. */
async function startEndpoint(behaviour: Behaviour) {
  const received: ReceivedRequest[] = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const raw = Buffer.concat(chunks);
      const text = (request.headers["content-encoding"] === "gzip" ? gunzipSync(raw) : raw).toString("utf8");
      const body = JSON.parse(text) as ReceivedRequest["body"];
      received.push({ headers: request.headers, body });
      if (behaviour === "accept") {
        response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ requestId: body.requestId, timestamp: Date.now() }));
      } else if (behaviour === "fail") {
        response.writeHead(500, { "content-type": "text/plain" }).end("endpoint is down");
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  after(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/ingest`, received };
}

async function setup(name: string, configuration: Omit<HttpEndpointDestinationConfiguration, "S3Configuration">) {
  const s3rver = await RunningS3rver.start(["backup"]);
  const s3 = s3Client(s3rver.endpoint);
  const clock = new ManualClock(start);
  const server = await startServer(
    { s3Endpoint: s3rver.endpoint, s3AccessKeyId: s3rverCredentials.accessKeyId, s3SecretAccessKey: s3rverCredentials.secretAccessKey },
    clock,
    { delivery: { httpAttemptTimeoutMs: 200 } },
  );
  const firehose = firehoseClient(server.endpoint);
  await firehose.send(
    new CreateDeliveryStreamCommand({
      DeliveryStreamName: name,
      HttpEndpointDestinationConfiguration: {
        BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 60 },
        ...configuration,
        S3Configuration: {
          RoleARN: roleArn,
          BucketARN: "arn:aws:s3:::backup",
          Prefix: "all/",
          ErrorOutputPrefix: "failed/!{firehose:error-output-type}/",
        },
      },
    }),
  );
  const put = (records: readonly string[]) => putTexts(firehose, name, records);
  const flush = async () => {
    clock.advance(60_000);
    await server.delivery.whenIdle();
    return getObjects(s3, "backup");
  };
  return { firehose, put, flush };
}

const texts = ["alpha\n", "beta\n", "gamma\n"];
const decoded = (request: ReceivedRequest) => request.body.records.map((record) => Buffer.from(record.data, "base64").toString("utf8"));

test("an endpoint that answers per the specification gets the records: base64, gzip, request id, access key", { timeout }, async () => {
  const endpoint = await startEndpoint("accept");
  const { put, flush } = await setup("to-endpoint", {
    EndpointConfiguration: { Url: endpoint.url, Name: "local", AccessKey: "secret-key" },
    RequestConfiguration: { ContentEncoding: "GZIP", CommonAttributes: [{ AttributeName: "team", AttributeValue: "data" }] },
  });
  await put(texts);
  const backup = await flush();
  assert.equal(endpoint.received.length, 1);
  const [request] = endpoint.received;
  assert.deepEqual(decoded(request!), texts);
  assert.equal(request!.headers["content-encoding"], "gzip");
  assert.equal(request!.headers["content-type"], "application/json");
  assert.equal(request!.headers["x-amz-firehose-protocol-version"], "1.0");
  assert.equal(request!.headers["x-amz-firehose-request-id"], request!.body.requestId);
  assert.equal(request!.headers["x-amz-firehose-access-key"], "secret-key");
  assert.equal(request!.headers["x-amz-firehose-source-arn"], "arn:aws:firehose:us-east-1:000000000000:deliverystream/to-endpoint");
  assert.deepEqual(JSON.parse(request!.headers["x-amz-firehose-common-attributes"] as string), { commonAttributes: { team: "data" } });
  assert.equal(typeof request!.body.timestamp, "number");
  assert.equal(backup.size, 0, "FailedDataOnly backs up nothing when delivery succeeds");
});

test("an endpoint that always fails: its records end in http-endpoint-failed objects in the backup bucket", { timeout }, async () => {
  const endpoint = await startEndpoint("fail");
  const { put, flush } = await setup("failing", { EndpointConfiguration: { Url: endpoint.url }, RetryOptions: { DurationInSeconds: 0 } });
  await put(texts);
  const backup = await flush();
  assert.equal(endpoint.received.length, 1, "a zero retry duration makes one attempt");
  assert.equal(backup.size, 1);
  const [key, object] = [...backup][0]!;
  assert.match(key, /^failed\/http-endpoint-failed\/failing-1-2026-01-01-13-04-05-[0-9a-f-]{36}$/);
  const failures = jsonLines(object.body);
  assert.deepEqual(
    failures.map((failure) => Buffer.from(failure.rawData as string, "base64").toString("utf8")),
    texts,
  );
  assert.deepEqual(Object.keys(failures[0]!), [
    "attemptsMade",
    "arrivalTimestamp",
    "errorCode",
    "errorMessage",
    "attemptEndingTimestamp",
    "rawData",
    "subsequenceNumber",
    "dataId",
  ]);
  assert.equal(failures[0]!.attemptsMade, 1);
  assert.equal(failures[0]!.arrivalTimestamp, start);
  assert.equal(failures[0]!.errorCode, "HttpEndpoint.DestinationException");
  assert.equal(failures[0]!.errorMessage, "The following response was received from the endpoint destination. 500: endpoint is down");
});

test("an endpoint that never answers times out (timings.delivery.httpAttemptTimeoutMs) into the backup bucket", { timeout }, async () => {
  const endpoint = await startEndpoint("hang");
  const { put, flush } = await setup("silent", { EndpointConfiguration: { Url: endpoint.url }, RetryOptions: { DurationInSeconds: 0 } });
  await put(texts);
  const backup = await flush();
  assert.equal(backup.size, 1);
  const failures = jsonLines([...backup.values()][0]!.body);
  assert.equal(failures.length, 3);
  assert.equal(failures[0]!.errorCode, "HttpEndpoint.RequestTimeout");
});

test("S3BackupMode AllData writes every record to the backup bucket as well as to the endpoint", { timeout }, async () => {
  const endpoint = await startEndpoint("accept");
  const { put, flush } = await setup("all-data", { EndpointConfiguration: { Url: endpoint.url }, S3BackupMode: "AllData" });
  await put(texts);
  const backup = await flush();
  assert.deepEqual(decoded(endpoint.received[0]!), texts);
  assert.equal(backup.size, 1);
  const [key, object] = [...backup][0]!;
  assert.match(key, /^all\/2026\/01\/01\/13\/all-data-1-2026-01-01-13-04-05-[0-9a-f-]{36}$/);
  assert.equal(object.body.toString("utf8"), texts.join(""));
});

test("UpdateDestination moves an HTTP endpoint stream to another endpoint and shows the change", { timeout }, async () => {
  const first = await startEndpoint("accept");
  const second = await startEndpoint("accept");
  const { firehose, put, flush } = await setup("moved", { EndpointConfiguration: { Url: first.url, Name: "first", AccessKey: "k1" } });
  await put(["before\n"]);
  await flush();
  await firehose.send(
    new UpdateDestinationCommand({
      DeliveryStreamName: "moved",
      CurrentDeliveryStreamVersionId: "1",
      DestinationId: "destinationId-000000000001",
      HttpEndpointDestinationUpdate: {
        EndpointConfiguration: { Url: second.url, Name: "second" },
        RequestConfiguration: { ContentEncoding: "GZIP" },
      },
    }),
  );
  const described = await firehose.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: "moved" }));
  const description = described.DeliveryStreamDescription!;
  assert.equal(description.VersionId, "2");
  const destination = description.Destinations![0]!.HttpEndpointDestinationDescription!;
  assert.deepEqual(destination.EndpointConfiguration, { Url: second.url, Name: "second" });
  assert.equal(destination.RequestConfiguration!.ContentEncoding, "GZIP");
  assert.equal(destination.BufferingHints!.IntervalInSeconds, 60);
  await put(["after\n"]);
  await flush();
  assert.deepEqual(first.received.map(decoded), [["before\n"]]);
  assert.deepEqual(second.received.map(decoded), [["after\n"]]);
  assert.equal(second.received[0]!.headers["content-encoding"], "gzip");
  // The access key was not given in the update: the current one is kept.
  assert.equal(second.received[0]!.headers["x-amz-firehose-access-key"], "k1");
});
