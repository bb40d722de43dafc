/** The front door through real clients: HTTP/1.1 and h2c on one port, health, and AWS-shaped errors. */
import assert from "node:assert/strict";
import http2 from "node:http2";
import { describe, it } from "node:test";
import { KinesisClient, ListStreamsCommand } from "@aws-sdk/client-kinesis";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { decode as decodeCbor, encode as encodeCbor } from "cbor-x";
import { startServer } from "../support/server.js";

const credentials = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" };

describe("wire", async () => {
  const server = await startServer();

  it("answers GET /health over HTTP/1.1", async () => {
    const response = await fetch(`${server.endpoint}/health`);
    assert.equal(response.status, 200);
    assert.equal(((await response.json()) as { status: string }).status, "ok");
  });

  it("answers GET /health over cleartext HTTP/2 on the same port", async () => {
    const session = http2.connect(server.endpoint);
    try {
      const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const stream = session.request({ ":path": "/health" });
        let status = 0;
        let body = "";
        stream.on("response", (headers) => (status = Number(headers[":status"])));
        stream.on("data", (chunk: Buffer) => (body += chunk.toString()));
        stream.on("end", () => resolve({ status, body }));
        stream.on("error", reject);
      });
      assert.equal(status, 200);
      assert.equal((JSON.parse(body) as { status: string }).status, "ok");
    } finally {
      session.close();
    }
  });

  for (const [handlerName, makeHandler] of [
    ["default HTTP/2 handler", () => undefined],
    ["HTTP/1.1 handler", () => new NodeHttpHandler()],
  ] as const) {
    it(`gives the AWS SDK an UnknownOperationException for an action it does not serve (${handlerName})`, async () => {
      const requestHandler = makeHandler();
      const client = new KinesisClient({
        endpoint: server.endpoint,
        region: "us-east-1",
        credentials,
        maxAttempts: 1,
        ...(requestHandler ? { requestHandler } : {}),
      });
      // Every real Kinesis action is served, so send one under a target the server does not know.
      client.middlewareStack.add(
        (next) => async (args) => {
          (args.request as { headers: Record<string, string> }).headers["x-amz-target"] = "Kinesis_20131202.NoSuchAction";
          return next(args);
        },
        { step: "build" },
      );
      try {
        await assert.rejects(client.send(new ListStreamsCommand({})), (error: Error & { $metadata?: { httpStatusCode?: number } }) => {
          assert.equal(error.name, "UnknownOperationException");
          assert.equal(error.$metadata?.httpStatusCode, 400);
          return true;
        });
      } finally {
        client.destroy();
      }
    });
  }

  it("answers malformed JSON with SerializationException and keeps serving", async () => {
    for (const body of ["{not json", "[1,2]", "42", '"string"']) {
      const response = await post(server.endpoint, "application/x-amz-json-1.1", "Kinesis_20131202.ListStreams", body);
      assert.equal(response.status, 400);
      assert.deepEqual(await response.json(), { __type: "SerializationException" });
    }
    assert.equal((await fetch(`${server.endpoint}/health`)).status, 200);
  });

  it("answers in CBOR when asked in CBOR, including for garbage CBOR", async () => {
    const unknown = await post(server.endpoint, "application/x-amz-cbor-1.1", "Kinesis_20131202.NoSuchAction", encodeCbor({}));
    assert.equal(unknown.status, 400);
    assert.equal(unknown.headers.get("content-type"), "application/x-amz-cbor-1.1");
    assert.deepEqual(decodeCbor(Buffer.from(await unknown.arrayBuffer())), { __type: "UnknownOperationException" });
    const garbage = await post(server.endpoint, "application/x-amz-cbor-1.1", "Kinesis_20131202.ListStreams", Buffer.from([0xff, 0x00, 0x1c]));
    assert.deepEqual(decodeCbor(Buffer.from(await garbage.arrayBuffer())), { __type: "SerializationException" });
  });

  it("carries request ids on every AWS response", async () => {
    const response = await post(server.endpoint, "application/x-amz-json-1.1", "Nope.Nothing", "{}");
    assert.match(response.headers.get("x-amzn-requestid") ?? "", /^[0-9a-f-]{36}$/);
    assert.equal(response.headers.get("x-amzn-errortype"), "UnknownOperationException");
  });

  it("gives every response its own x-amz-id-2, also past a refill of the pool it is drawn from", async () => {
    const ids = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const response = await post(server.endpoint, "application/x-amz-json-1.1", "Kinesis_20131202.ListStreams", "{}");
      const id = response.headers.get("x-amz-id-2") ?? "";
      assert.match(id, /^[A-Za-z0-9+/]{72}$/);
      ids.add(id);
    }
    assert.equal(ids.size, 200);
  });

  it("takes the region from a presigned URL's credential scope", async () => {
    const scope = "X-Amz-Credential=AKIDEXAMPLE%2F20260101%2Feu-west-1%2Fkinesis%2Faws4_request";
    const created = await fetch(`${server.endpoint}/?${scope}`, {
      method: "POST",
      headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": "Kinesis_20131202.CreateStream" },
      body: JSON.stringify({ StreamName: "presigned-region", ShardCount: 1 }),
    });
    assert.equal(created.status, 200);
    const described = await fetch(`${server.endpoint}/?${scope}`, {
      method: "POST",
      headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": "Kinesis_20131202.DescribeStreamSummary" },
      body: JSON.stringify({ StreamName: "presigned-region" }),
    });
    const summary = (await described.json()) as { StreamDescriptionSummary: { StreamARN: string } };
    assert.match(summary.StreamDescriptionSummary.StreamARN, /^arn:aws:kinesis:eu-west-1:/);
    const elsewhere = await post(server.endpoint, "application/x-amz-json-1.1", "Kinesis_20131202.DescribeStreamSummary", JSON.stringify({ StreamName: "presigned-region" }));
    assert.equal(elsewhere.status, 400);
  });

  it("refuses requests that are not POST with AWS's AccessDeniedException", async () => {
    const response = await fetch(`${server.endpoint}/some/path`);
    assert.equal(response.status, 403);
    assert.match(await response.text(), /<AccessDeniedException>/);
  });

  it("refuses bodies in an encoding it does not speak as AWS does, in XML", async () => {
    const withTarget = await post(server.endpoint, "text/plain", "Kinesis_20131202.ListStreams", "{}");
    assert.equal(withTarget.status, 404);
    assert.equal(await withTarget.text(), "<UnknownOperationException/>\n");
    const withoutTarget = await fetch(`${server.endpoint}/`, { method: "POST", headers: { "content-type": "text/plain" }, body: "{}" });
    assert.equal(withoutTarget.status, 403);
    assert.match(await withoutTarget.text(), /<Message>Unable to determine service\/operation name to be authorized<\/Message>/);
    const plainJson = await post(server.endpoint, "application/json", "Kinesis_20131202.ListStreams", "{}");
    assert.equal(plainJson.status, 200, "plain application/json is read as JSON 1.1");
  });

  it("answers an oversized body with 413 and keeps serving", async () => {
    const huge = Buffer.alloc(17 * 1024 * 1024, 0x20);
    const response = await post(server.endpoint, "application/x-amz-json-1.1", "Kinesis_20131202.PutRecords", huge).catch(
      (error: Error) => error,
    );
    if (!(response instanceof Error)) assert.equal(response.status, 413);
    assert.equal((await fetch(`${server.endpoint}/health`)).status, 200);
  });
});

function post(endpoint: string, contentType: string, target: string, body: string | Buffer): Promise<Response> {
  return fetch(`${endpoint}/`, {
    method: "POST",
    headers: { "content-type": contentType, "x-amz-target": target },
    body,
  });
}
