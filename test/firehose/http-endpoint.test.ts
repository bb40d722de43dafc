/**
 * The HTTP endpoint destination against a real node:http endpoint on 127.0.0.1 that records what it receives:
 * the request as AWS's specification lays it out, the response rules, retries and their end, and the wire settings.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { gunzipSync } from "node:zlib";
import { deliverToHttpEndpoint, type HttpDeliveryContext, type HttpEndpointSettings } from "../../src/delivery/http-endpoint.js";
import type { DeliveryRecord } from "../../src/delivery/pipeline.js";
import { AwsError } from "../../src/protocols/aws/errors.js";
import { parseInput } from "../../src/protocols/aws/shapes.js";
import {
  httpEndpointDestinationConfiguration,
  httpEndpointDestinationDescriptionOf,
  httpEndpointDestinationFrom,
  httpEndpointDestinationUpdate,
  mergeHttpEndpointUpdate,
} from "../../src/protocols/firehose/http-endpoint-destination.js";
import { ManualClock } from "../support/clock.js";
import { s3Destination } from "../support/firehose.js";

const timeout = 20_000;
const streamArn = "arn:aws:firehose:us-east-1:000000000000:deliverystream/to-http";

interface ReceivedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

type Reply = (response: ServerResponse, request: ReceivedRequest, index: number) => void;

/** An endpoint that records every request and answers the n-th one with `reply` (or never, if it returns nothing). */
async function startEndpoint(
  reply: Reply,
): Promise<{ url: string; requests: ReceivedRequest[]; connections: () => number; close(): Promise<void> }> {
  const requests: ReceivedRequest[] = [];
  let connections = 0;
  const server = createServer(async (request: IncomingMessage, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const received = { method: request.method!, path: request.url!, headers: request.headers, body: Buffer.concat(chunks) };
    requests.push(received);
    reply(response, received, requests.length - 1);
  });
  server.on("connection", () => connections++);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/ingest?key=1`,
    requests,
    connections: () => connections,
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, "close");
    },
  };
}

function requestIdOf(request: ReceivedRequest): string {
  return String(request.headers["x-amz-firehose-request-id"]);
}

/** What the specification asks of a successful answer. */
const acknowledge: Reply = (response, request) => {
  response.writeHead(200, { "Content-Type": "application/json" });
  response.end(JSON.stringify({ requestId: requestIdOf(request), timestamp: 1_700_000_000_000 }));
};

function failWith(status: number): Reply {
  return (response, request) => {
    response.writeHead(status, { "Content-Type": "application/json" });
    response.end(JSON.stringify({ requestId: requestIdOf(request), timestamp: 1_700_000_000_000, errorMessage: "down" }));
  };
}

const s3Backup = s3Destination({ extended: false, bucketArn: "arn:aws:s3:::backup", sizeInMBs: 5, intervalInSeconds: 300 });

function settingsFor(url: string, overrides: Partial<HttpEndpointSettings> = {}): HttpEndpointSettings {
  return {
    url,
    name: null,
    accessKey: null,
    sizeInMBs: 5,
    intervalInSeconds: 300,
    contentEncoding: "NONE",
    commonAttributes: [],
    retryDurationInSeconds: 300,
    s3BackupMode: "FailedDataOnly",
    s3Backup,
    roleArn: null,
    cloudWatchLoggingOptions: null,
    processingConfiguration: null,
    ...overrides,
  };
}

function recordsOf(...data: string[]): DeliveryRecord[] {
  return data.map((text, i) => ({ offset: 100 + i, arrivedAt: 1_767_225_600_000 + i, data: Buffer.from(text), partitionKeys: null }));
}

/** A context whose waits move the clock instead of sleeping; jitter pinned to none. */
function contextWith(clock: ManualClock, overrides: Partial<HttpDeliveryContext> = {}): HttpDeliveryContext {
  return {
    deliveryStreamArn: streamArn,
    clock,
    wait: async (ms) => clock.advance(ms),
    random: () => 0.5,
    ...overrides,
  };
}

test("a flush is one POST with the specification's headers and body", { timeout }, async () => {
  const endpoint = await startEndpoint(acknowledge);
  try {
    const clock = new ManualClock();
    const result = await deliverToHttpEndpoint(recordsOf("hello", "", "wörld"), settingsFor(endpoint.url), contextWith(clock));
    assert.deepEqual(result, { outcome: "delivered", requests: 1 });
    assert.equal(endpoint.requests.length, 1);
    const [request] = endpoint.requests;
    assert.equal(request!.method, "POST");
    assert.equal(request!.path, "/ingest?key=1");
    assert.equal(request!.headers["content-type"], "application/json");
    assert.equal(request!.headers["x-amz-firehose-protocol-version"], "1.0");
    assert.equal(request!.headers["x-amz-firehose-source-arn"], streamArn);
    assert.equal(request!.headers["user-agent"], "Amazon Kinesis Data Firehose Agent/1.0");
    assert.match(requestIdOf(request!), /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.equal(request!.headers["content-length"], String(request!.body.length));
    for (const absent of ["content-encoding", "x-amz-firehose-access-key", "x-amz-firehose-common-attributes"]) {
      assert.equal(request!.headers[absent], undefined, absent);
    }
    assert.deepEqual(JSON.parse(request!.body.toString("utf8")), {
      requestId: requestIdOf(request!),
      timestamp: clock.now(),
      records: [{ data: Buffer.from("hello").toString("base64") }, { data: "" }, { data: Buffer.from("wörld").toString("base64") }],
    });
  } finally {
    await endpoint.close();
  }
});

test("GZIP compresses the body; the access key and common attributes travel in their headers", { timeout }, async () => {
  const endpoint = await startEndpoint(acknowledge);
  try {
    const settings = settingsFor(endpoint.url, {
      contentEncoding: "GZIP",
      accessKey: "secret-token",
      commonAttributes: [
        { name: "deployment-context", value: "pre-prod-gamma" },
        { name: "device-types", value: "" },
        { name: "city", value: "Zürich" },
      ],
    });
    const result = await deliverToHttpEndpoint(recordsOf("a", "b"), settings, contextWith(new ManualClock()));
    assert.equal(result.outcome, "delivered");
    const [request] = endpoint.requests;
    assert.equal(request!.headers["content-encoding"], "gzip");
    assert.equal(request!.headers["x-amz-firehose-access-key"], "secret-token");
    assert.deepEqual(JSON.parse(String(request!.headers["x-amz-firehose-common-attributes"])), {
      commonAttributes: { "deployment-context": "pre-prod-gamma", "device-types": "", city: "Zürich" },
    });
    const body = JSON.parse(gunzipSync(request!.body).toString("utf8"));
    assert.deepEqual(
      body.records.map((record: { data: string }) => Buffer.from(record.data, "base64").toString()),
      ["a", "b"],
    );
    assert.equal(body.requestId, requestIdOf(request!));
  } finally {
    await endpoint.close();
  }
});

test("retries keep the request id and succeed once the endpoint recovers", { timeout }, async () => {
  const endpoint = await startEndpoint((response, request, index) => (index < 3 ? failWith(500) : acknowledge)(response, request, index));
  try {
    const clock = new ManualClock();
    const start = clock.now();
    const result = await deliverToHttpEndpoint(recordsOf("x"), settingsFor(endpoint.url), contextWith(clock));
    assert.deepEqual(result, { outcome: "delivered", requests: 1 });
    assert.equal(endpoint.requests.length, 4);
    assert.equal(new Set(endpoint.requests.map(requestIdOf)).size, 1);
    assert.equal(new Set(endpoint.requests.map((request) => request.body.toString())).size, 1);
    // Backoffs of 1, 2 and 4 seconds (jitter pinned to none).
    assert.equal(clock.now() - start, 7000);
  } finally {
    await endpoint.close();
  }
});

test("retries end once the next wait would pass RetryOptions.DurationInSeconds; every record is reported failed", { timeout }, async () => {
  const endpoint = await startEndpoint(failWith(503));
  try {
    const clock = new ManualClock();
    const records: DeliveryRecord[] = [
      ...recordsOf("first"),
      {
        offset: 7,
        arrivedAt: 1_767_225_600_500,
        data: Buffer.from("from kinesis"),
        partitionKeys: null,
        kinesis: {
          shardId: "shardId-000000000000",
          partitionKey: "k",
          sequenceNumber: "49607357361271740811418664280693044274821622880012337186",
          approximateArrivalTimestamp: 1_767_225_600_400,
        },
      },
    ];
    // Waits of 1, 2 and 4 s fit in 10 s; the next (8 s) would not.
    const result = await deliverToHttpEndpoint(records, settingsFor(endpoint.url, { retryDurationInSeconds: 10 }), contextWith(clock));
    assert.equal(endpoint.requests.length, 4);
    assert.equal(result.outcome, "failed");
    assert.ok(result.outcome === "failed");
    const requestId = requestIdOf(endpoint.requests[0]!);
    const errorMessage = `The following response was received from the endpoint destination. 503: ${JSON.stringify({
      requestId,
      timestamp: 1_700_000_000_000,
      errorMessage: "down",
    })}`;
    assert.deepEqual(result.failed, [
      {
        type: "http-endpoint-failed",
        offset: 100,
        arrivedAt: 1_767_225_600_000,
        rawData: Buffer.from("first"),
        errorCode: "HttpEndpoint.DestinationException",
        errorMessage,
        attemptsMade: 4,
        attemptEndingTimestamp: clock.now(),
        details: { subsequenceNumber: 0, dataId: "100.0" },
      },
      {
        type: "http-endpoint-failed",
        offset: 7,
        arrivedAt: 1_767_225_600_500,
        rawData: Buffer.from("from kinesis"),
        errorCode: "HttpEndpoint.DestinationException",
        errorMessage,
        attemptsMade: 4,
        attemptEndingTimestamp: clock.now(),
        details: { subsequenceNumber: 0, dataId: "49607357361271740811418664280693044274821622880012337186.0" },
      },
    ]);
  } finally {
    await endpoint.close();
  }
});

test("a duration of 0 means one attempt; a 413 ends the retries at once", { timeout }, async () => {
  const endpoint = await startEndpoint((response, request, index) => failWith(index === 0 ? 500 : 413)(response, request, index));
  try {
    const once = await deliverToHttpEndpoint(recordsOf("x"), settingsFor(endpoint.url, { retryDurationInSeconds: 0 }), contextWith(new ManualClock()));
    assert.equal(once.outcome === "failed" && once.failed[0]!.attemptsMade, 1);
    const tooLarge = await deliverToHttpEndpoint(recordsOf("x"), settingsFor(endpoint.url, { retryDurationInSeconds: 7200 }), contextWith(new ManualClock()));
    assert.equal(endpoint.requests.length, 2);
    assert.ok(tooLarge.outcome === "failed");
    assert.equal(tooLarge.failed[0]!.attemptsMade, 1);
    assert.equal(tooLarge.failed[0]!.errorCode, "HttpEndpoint.DestinationException");
    assert.match(tooLarge.failed[0]!.errorMessage, / 413: /);
  } finally {
    await endpoint.close();
  }
});

test("a 200 that does not follow the specification is a failed attempt", { timeout }, async () => {
  const invalidAnswers: Reply[] = [
    (response) => {
      response.writeHead(200, { "Content-Type": "application/json" });
      response.end(JSON.stringify({ requestId: "someone-else", timestamp: 1 }));
    },
    (response, request) => {
      response.writeHead(200, { "Content-Type": "text/plain" });
      response.end(JSON.stringify({ requestId: requestIdOf(request), timestamp: 1 }));
    },
    (response, request) => {
      response.writeHead(200, { "Content-Type": "application/json" });
      response.end(JSON.stringify({ requestId: requestIdOf(request), timestamp: "1578090903599" }));
    },
    (response) => {
      response.writeHead(200);
      response.end();
    },
  ];
  const endpoint = await startEndpoint((response, request, index) => invalidAnswers[index]!(response, request, index));
  try {
    for (const [i] of invalidAnswers.entries()) {
      const result = await deliverToHttpEndpoint(recordsOf("x"), settingsFor(endpoint.url, { retryDurationInSeconds: 0 }), contextWith(new ManualClock()));
      assert.ok(result.outcome === "failed", `answer ${i}`);
      assert.equal(result.failed[0]!.errorCode, "HttpEndpoint.InvalidResponseFromDestination");
      assert.equal(
        result.failed[0]!.errorMessage.startsWith(
          "The response received from the specified endpoint is invalid. Contact the owner of the endpoint to resolve the issue. " +
            `Response for request ${requestIdOf(endpoint.requests[i]!)} is not recognized as valid JSON or has unexpected fields. Raw response received: 200 `,
        ),
        true,
      );
    }
  } finally {
    await endpoint.close();
  }
});

test("an endpoint that never answers times out each attempt", { timeout }, async () => {
  const endpoint = await startEndpoint(() => {});
  try {
    const clock = new ManualClock();
    const result = await deliverToHttpEndpoint(
      recordsOf("x"),
      settingsFor(endpoint.url, { retryDurationInSeconds: 1 }),
      contextWith(clock, { attemptTimeoutMs: 50 }),
    );
    assert.ok(result.outcome === "failed");
    assert.equal(endpoint.requests.length, 2);
    assert.equal(result.failed[0]!.attemptsMade, 2);
    assert.equal(result.failed[0]!.errorCode, "HttpEndpoint.RequestTimeout");
    assert.equal(
      result.failed[0]!.errorMessage,
      "The delivery timed out before a response was received and will be retried. If this error persists, contact the AWS Firehose service team.",
    );
  } finally {
    await endpoint.close();
  }
});

test("a response over 1 MiB, and a connection dropped before any answer, are failed attempts", { timeout }, async () => {
  const endpoint = await startEndpoint((response, request, index) => {
    if (index === 1) {
      response.socket!.destroy();
      return;
    }
    response.writeHead(200, { "Content-Type": "application/json" });
    response.end(JSON.stringify({ requestId: requestIdOf(request), timestamp: 1, padding: "x".repeat(1024 * 1024) }));
  });
  try {
    const settings = settingsFor(endpoint.url, { retryDurationInSeconds: 0 });
    const tooLarge = await deliverToHttpEndpoint(recordsOf("x"), settings, contextWith(new ManualClock()));
    assert.ok(tooLarge.outcome === "failed");
    assert.equal(tooLarge.failed[0]!.errorCode, "HttpEndpoint.ResponseTooLarge");
    assert.equal(tooLarge.failed[0]!.errorMessage, "The response received from the endpoint is too large. Contact the owner of the endpoint to resolve this issue.");
    const reset = await deliverToHttpEndpoint(recordsOf("x"), settings, contextWith(new ManualClock()));
    assert.ok(reset.outcome === "failed");
    assert.equal(reset.failed[0]!.errorCode, "HttpEndpoint.ConnectionReset");
  } finally {
    await endpoint.close();
  }
});

test("deliveries reuse a kept-alive connection", { timeout }, async () => {
  const endpoint = await startEndpoint(acknowledge);
  try {
    for (let i = 0; i < 3; i++) {
      const result = await deliverToHttpEndpoint(recordsOf(String(i)), settingsFor(endpoint.url), contextWith(new ManualClock()));
      assert.equal(result.outcome, "delivered");
    }
    assert.equal(endpoint.requests.length, 3);
    assert.equal(endpoint.connections(), 1);
  } finally {
    await endpoint.close();
  }
});

test("no listener is a failed connection", { timeout }, async () => {
  const endpoint = await startEndpoint(acknowledge);
  await endpoint.close();
  const result = await deliverToHttpEndpoint(recordsOf("x"), settingsFor(endpoint.url, { retryDurationInSeconds: 0 }), contextWith(new ManualClock()));
  assert.ok(result.outcome === "failed");
  assert.equal(result.failed[0]!.errorCode, "HttpEndpoint.ConnectionFailed");
  assert.equal(result.failed[0]!.errorMessage, "Unable to connect to the destination endpoint. Contact the owner of the endpoint to resolve this issue.");
});

test("a stop ends a backoff wait and an attempt in flight", { timeout }, async () => {
  const stopDuringWait = new AbortController();
  const stopDuringAttempt = new AbortController();
  const failing = await startEndpoint(failWith(500));
  const silent = await startEndpoint(() => stopDuringAttempt.abort());
  try {
    // The real timer waits, for a second's backoff; the stop comes as the backoff is drawn, just before it.
    const waiting = await deliverToHttpEndpoint(recordsOf("x"), settingsFor(failing.url), {
      deliveryStreamArn: streamArn,
      clock: new ManualClock(),
      signal: stopDuringWait.signal,
      random: () => {
        stopDuringWait.abort();
        return 0.5;
      },
    });
    assert.deepEqual(waiting, { outcome: "interrupted" });
    assert.equal(failing.requests.length, 1);
    const inFlight = await deliverToHttpEndpoint(recordsOf("x"), settingsFor(silent.url), {
      ...contextWith(new ManualClock()),
      signal: stopDuringAttempt.signal,
    });
    assert.deepEqual(inFlight, { outcome: "interrupted" });
  } finally {
    await failing.close();
    await silent.close();
  }
});

test("more than 10,000 records go out as several requests, each with its own id", { timeout }, async () => {
  const endpoint = await startEndpoint(acknowledge);
  try {
    const records = recordsOf(...Array.from({ length: 10_001 }, (_, i) => String(i)));
    const result = await deliverToHttpEndpoint(records, settingsFor(endpoint.url), contextWith(new ManualClock()));
    assert.deepEqual(result, { outcome: "delivered", requests: 2 });
    const bodies = endpoint.requests.map((request) => JSON.parse(request.body.toString()));
    assert.deepEqual(
      bodies.map((body) => body.records.length),
      [10_000, 1],
    );
    assert.equal(Buffer.from(bodies[1].records[0].data, "base64").toString(), "10000");
    assert.notEqual(requestIdOf(endpoint.requests[0]!), requestIdOf(endpoint.requests[1]!));
  } finally {
    await endpoint.close();
  }
});

const wireConfiguration = {
  EndpointConfiguration: { Url: "https://example.com/firehose", Name: "example", AccessKey: "key-1" },
  S3Configuration: { RoleARN: "arn:aws:iam::000000000000:role/firehose", BucketARN: "arn:aws:s3:::backup" },
};

function parseConfiguration(value: unknown): ReturnType<typeof httpEndpointDestinationFrom> {
  const shape = { type: "structure", members: { Configuration: httpEndpointDestinationConfiguration } } as const;
  const parsed = parseInput({ Configuration: value }, shape, "json") as { Configuration: Parameters<typeof httpEndpointDestinationFrom>[0] };
  return httpEndpointDestinationFrom(parsed.Configuration, {});
}

test("wire: a configuration gets AWS's defaults, and is described without its access key", () => {
  const settings = parseConfiguration(wireConfiguration);
  assert.equal(settings.url, "https://example.com/firehose");
  assert.equal(settings.accessKey, "key-1");
  assert.equal(settings.sizeInMBs, 5);
  assert.equal(settings.intervalInSeconds, 300);
  assert.equal(settings.retryDurationInSeconds, 300);
  assert.equal(settings.contentEncoding, "NONE");
  assert.equal(settings.s3BackupMode, "FailedDataOnly");
  assert.equal(settings.s3Backup.bucketArn, "arn:aws:s3:::backup");
  assert.deepEqual(httpEndpointDestinationDescriptionOf(settings), {
    EndpointConfiguration: { Url: "https://example.com/firehose", Name: "example" },
    BufferingHints: { SizeInMBs: 5, IntervalInSeconds: 300 },
    CloudWatchLoggingOptions: { Enabled: false },
    RequestConfiguration: { ContentEncoding: "NONE", CommonAttributes: [] },
    RetryOptions: { DurationInSeconds: 300 },
    S3BackupMode: "FailedDataOnly",
    S3DestinationDescription: {
      RoleARN: "arn:aws:iam::000000000000:role/firehose",
      BucketARN: "arn:aws:s3:::backup",
      BufferingHints: { SizeInMBs: 5, IntervalInSeconds: 300 },
      CompressionFormat: "UNCOMPRESSED",
      EncryptionConfiguration: { NoEncryptionConfig: "NoEncryption" },
      CloudWatchLoggingOptions: { Enabled: false },
    },
  });
});

test("wire: the model's constraints, plain http:// allowed, Secrets Manager refused by name", () => {
  assert.equal(parseConfiguration({ ...wireConfiguration, EndpointConfiguration: { Url: "http://127.0.0.1:8080/" } }).url, "http://127.0.0.1:8080/");
  assert.throws(
    () =>
      parseConfiguration({
        ...wireConfiguration,
        EndpointConfiguration: { Url: "ftp://example.com" },
        BufferingHints: { SizeInMBs: 65, IntervalInSeconds: 60 },
        RetryOptions: { DurationInSeconds: 7201 },
      }),
    (error: unknown) =>
      error instanceof AwsError &&
      error.message ===
        "3 validation errors detected: " +
          "Value 'ftp://example.com' at 'configuration.endpointConfiguration.url' failed to satisfy constraint: Member must satisfy regular expression pattern: https?://.*; " +
          "Value '65' at 'configuration.bufferingHints.sizeInMBs' failed to satisfy constraint: Member must have value less than or equal to 64; " +
          "Value '7201' at 'configuration.retryOptions.durationInSeconds' failed to satisfy constraint: Member must have value less than or equal to 7200",
  );
  assert.throws(
    () => parseConfiguration({ ...wireConfiguration, SecretsManagerConfiguration: { Enabled: true } }),
    /SecretsManagerConfiguration is not supported by Freshet yet/,
  );
});

test("wire: an update merges over the current settings, keeping what it leaves out", () => {
  const current = parseConfiguration({
    ...wireConfiguration,
    BufferingHints: { SizeInMBs: 10, IntervalInSeconds: 60 },
    RequestConfiguration: { ContentEncoding: "GZIP", CommonAttributes: [{ AttributeName: "env", AttributeValue: "prod" }] },
  });
  const shape = { type: "structure", members: { Update: httpEndpointDestinationUpdate } } as const;
  const { Update } = parseInput(
    {
      Update: {
        EndpointConfiguration: { Url: "https://example.org/new" },
        BufferingHints: { IntervalInSeconds: 0 },
        RetryOptions: { DurationInSeconds: 0 },
        S3BackupMode: "AllData",
        S3Update: { Prefix: "backup/" },
      },
    },
    shape,
    "json",
  ) as { Update: Parameters<typeof mergeHttpEndpointUpdate>[1] };
  const merged = mergeHttpEndpointUpdate(current, Update, {});
  assert.equal(merged.url, "https://example.org/new");
  assert.equal(merged.name, "example");
  assert.equal(merged.accessKey, "key-1");
  assert.equal(merged.sizeInMBs, 10);
  assert.equal(merged.intervalInSeconds, 0);
  assert.equal(merged.contentEncoding, "GZIP");
  assert.deepEqual(merged.commonAttributes, [{ name: "env", value: "prod" }]);
  assert.equal(merged.retryDurationInSeconds, 0);
  assert.equal(merged.s3BackupMode, "AllData");
  assert.equal(merged.s3Backup.prefix, "backup/");
  assert.equal(merged.s3Backup.bucketArn, "arn:aws:s3:::backup");
});
