/**
 * SigV4 verification with `credentials` set, through the AWS SDK (HTTP/2 and HTTP/1.1) and through requests signed
 * or presigned by the SDK's own signer (@smithy/signature-v4); and that nothing is checked without credentials.
 */
import assert from "node:assert/strict";
import { createHash, createHmac } from "node:crypto";
import { writeFile } from "node:fs/promises";
import http from "node:http";
import http2 from "node:http2";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { CreateStreamCommand, KinesisClient, type KinesisClientConfig, ListStreamsCommand, PutRecordCommand } from "@aws-sdk/client-kinesis";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { SignatureV4 } from "@smithy/signature-v4";
import { ConfigError } from "../../src/config/config.js";
import { parseCredentials } from "../../src/config/credentials.js";
import { exitOf, startCli } from "../support/cli.js";
import { ManualClock } from "../support/clock.js";
import type { HttpVersion } from "../support/kinesis.js";
import { startServer } from "../support/server.js";
import { tempDir } from "../support/temp-dir.js";

const mismatch =
  "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";

const credentialsFile = `# test keys
AKIDFRESHET:freshet-secret

[ini-profile]
aws_access_key_id = AKIDINI
aws_secret_access_key = ini/secret+key
region = eu-west-1
`;

type SourceData = string | ArrayBuffer | ArrayBufferView;

function bytes(data: SourceData): string | Uint8Array {
  if (typeof data === "string") return data;
  return ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data);
}

/** The hash the SDK's signer wants, from node:crypto. */
class Sha256 {
  private readonly hash;
  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash("sha256") : createHmac("sha256", bytes(secret));
  }
  update(data: SourceData): void {
    this.hash.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

function client(endpoint: string, httpVersion: HttpVersion, keys: { accessKeyId: string; secretAccessKey: string }, extra: Partial<KinesisClientConfig> = {}) {
  const kinesis = new KinesisClient({
    endpoint,
    region: "us-east-1",
    credentials: keys,
    maxAttempts: 1,
    ...(httpVersion === "http1" ? { requestHandler: new NodeHttpHandler() } : {}),
    ...extra,
  });
  after(() => kinesis.destroy());
  return kinesis;
}

type SdkError = Error & { $metadata?: { httpStatusCode?: number } };

async function rejection(promise: Promise<unknown>): Promise<SdkError> {
  try {
    await promise;
  } catch (error) {
    return error as SdkError;
  }
  throw new Error("expected the call to fail");
}

interface RawRequest {
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** Sends a request as given (no SDK), over HTTP/1.1 or h2c. */
async function send(endpoint: string, httpVersion: HttpVersion, request: RawRequest): Promise<{ status: number; body: Record<string, unknown> }> {
  const parse = (status: number, text: string) => ({ status, body: text === "" ? {} : (JSON.parse(text) as Record<string, unknown>) });
  if (httpVersion === "http1") {
    const url = new URL(endpoint);
    return new Promise((resolve, reject) => {
      const outgoing = http.request(
        { host: url.hostname, port: url.port, method: "POST", path: request.path, headers: request.headers },
        (response) => {
          let text = "";
          response.on("data", (chunk: Buffer) => (text += chunk.toString()));
          response.on("end", () => resolve(parse(response.statusCode ?? 0, text)));
          response.on("error", reject);
        },
      );
      outgoing.on("error", reject);
      outgoing.end(request.body);
    });
  }
  const session = http2.connect(endpoint);
  try {
    return await new Promise((resolve, reject) => {
      const headers = { ...request.headers };
      delete headers.host;
      const stream = session.request({ ":method": "POST", ":path": request.path, ...headers });
      let status = 0;
      let text = "";
      stream.on("response", (responseHeaders) => (status = Number(responseHeaders[":status"])));
      stream.on("data", (chunk: Buffer) => (text += chunk.toString()));
      stream.on("end", () => resolve(parse(status, text)));
      stream.on("error", reject);
      session.on("error", reject);
      stream.end(request.body);
    });
  } finally {
    session.close();
  }
}

/** A ListStreams request as the SDK would build it, unsigned. */
function listStreamsRequest(endpoint: string, body = "{}") {
  const url = new URL(endpoint);
  return {
    method: "POST",
    protocol: "http:",
    hostname: url.hostname,
    port: Number(url.port),
    path: "/",
    query: {} as Record<string, string>,
    headers: {
      host: url.host,
      "content-type": "application/x-amz-json-1.1",
      "x-amz-target": "Kinesis_20131202.ListStreams",
      "content-length": String(Buffer.byteLength(body)),
    } as Record<string, string>,
    body,
  };
}

function signer(keys: { accessKeyId: string; secretAccessKey: string }, service = "kinesis") {
  return new SignatureV4({ credentials: keys, region: "us-east-1", service, sha256: Sha256 });
}

function toRaw(signed: { path: string; query?: Record<string, string | string[] | null>; headers: Record<string, string>; body?: unknown }): RawRequest {
  const query = Object.entries(signed.query ?? {})
    .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`)
    .join("&");
  return { path: query === "" ? signed.path : `${signed.path}?${query}`, headers: signed.headers, body: String(signed.body ?? "") };
}

const goodKeys = { accessKeyId: "AKIDFRESHET", secretAccessKey: "freshet-secret" };

describe("SigV4 off (the default)", async () => {
  const server = await startServer();

  it("accepts any signature and none", async () => {
    const kinesis = client(server.endpoint, "h2", { accessKeyId: "anything", secretAccessKey: "at-all" });
    assert.deepEqual((await kinesis.send(new ListStreamsCommand({}))).StreamNames, []);
    const unsigned = listStreamsRequest(server.endpoint);
    const answer = await send(server.endpoint, "http1", { path: "/", headers: unsigned.headers, body: unsigned.body });
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.body.StreamNames, []);
  });
});

describe("SigV4 on", async () => {
  const dir = await tempDir();
  const file = join(dir, "credentials");
  await writeFile(file, credentialsFile);
  const server = await startServer({ credentials: file });

  for (const httpVersion of ["h2", "http1"] as HttpVersion[]) {
    describe(`through the SDK over ${httpVersion}`, () => {
      it("accepts requests signed with a listed key, in either file format", async () => {
        const kinesis = client(server.endpoint, httpVersion, goodKeys);
        const name = `signed-${httpVersion}`;
        await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
        const put = await kinesis.send(new PutRecordCommand({ StreamName: name, PartitionKey: "k", Data: Buffer.from("signed body") }));
        assert.equal(put.ShardId, "shardId-000000000000");
        const ini = client(server.endpoint, httpVersion, { accessKeyId: "AKIDINI", secretAccessKey: "ini/secret+key" });
        assert.ok((await ini.send(new ListStreamsCommand({}))).StreamNames?.includes(name));
      });

      it("rejects a wrong secret with InvalidSignatureException (400)", async () => {
        const kinesis = client(server.endpoint, httpVersion, { accessKeyId: "AKIDFRESHET", secretAccessKey: "not-the-secret" });
        const error = await rejection(kinesis.send(new ListStreamsCommand({})));
        assert.equal(error.name, "InvalidSignatureException");
        assert.equal(error.message, mismatch);
        assert.equal(error.$metadata?.httpStatusCode, 400);
      });

      it("rejects an unknown access key with UnrecognizedClientException (400)", async () => {
        const kinesis = client(server.endpoint, httpVersion, { accessKeyId: "AKIDUNKNOWN", secretAccessKey: "freshet-secret" });
        const error = await rejection(kinesis.send(new ListStreamsCommand({})));
        assert.equal(error.name, "UnrecognizedClientException");
        assert.equal(error.message, "The security token included in the request is invalid.");
        assert.equal(error.$metadata?.httpStatusCode, 400);
      });

      it("rejects a body changed after signing", async () => {
        const kinesis = client(server.endpoint, httpVersion, goodKeys);
        kinesis.middlewareStack.addRelativeTo(
          ((next: (args: { request: unknown }) => Promise<unknown>) => async (args: { request: unknown }) => {
            const request = args.request as { body: string };
            request.body = request.body.replace("tampered-", "tampered_");
            return next(args);
          }) as never,
          { name: "tamperAfterSigning", relation: "after", toMiddleware: "httpSigningMiddleware" },
        );
        const error = await rejection(kinesis.send(new CreateStreamCommand({ StreamName: `tampered-${httpVersion}`, ShardCount: 1 })));
        assert.equal(error.name, "InvalidSignatureException");
        assert.equal(error.message, mismatch);
      });

      it("rejects a signature dated outside the 5-minute window", async () => {
        const past = client(server.endpoint, httpVersion, goodKeys, { systemClockOffset: -10 * 60_000 });
        const expired = await rejection(past.send(new ListStreamsCommand({})));
        assert.equal(expired.name, "InvalidSignatureException");
        assert.match(expired.message, /^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 5 min\.\)$/);
        const future = client(server.endpoint, httpVersion, goodKeys, { systemClockOffset: 10 * 60_000 });
        const early = await rejection(future.send(new ListStreamsCommand({})));
        assert.equal(early.name, "InvalidSignatureException");
        assert.match(early.message, /^Signature not yet current: \d{8}T\d{6}Z is still later than \d{8}T\d{6}Z \(\d{8}T\d{6}Z \+ 5 min\.\)$/);
      });
    });

    describe(`raw requests over ${httpVersion}`, () => {
      it("answers a request without a signature with MissingAuthenticationTokenException", async () => {
        const unsigned = listStreamsRequest(server.endpoint);
        const answer = await send(server.endpoint, httpVersion, { path: "/", headers: unsigned.headers, body: unsigned.body });
        assert.equal(answer.status, 400);
        assert.deepEqual(answer.body, { __type: "MissingAuthenticationTokenException", message: "Missing Authentication Token" });
      });

      it("names each missing part of an incomplete Authorization header", async () => {
        const unsigned = listStreamsRequest(server.endpoint);
        const authorization = "AWS4-HMAC-SHA256 Credential=AKIDFRESHET/20260101/us-east-1/kinesis/aws4_request";
        const answer = await send(server.endpoint, httpVersion, { path: "/", headers: { ...unsigned.headers, authorization }, body: unsigned.body });
        assert.equal(answer.status, 400);
        assert.deepEqual(answer.body, {
          __type: "IncompleteSignatureException",
          message: `Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=${authorization}`,
        });
      });

      it("names each missing presigning parameter", async () => {
        const unsigned = listStreamsRequest(server.endpoint);
        const answer = await send(server.endpoint, httpVersion, {
          path: "/?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20260101T000000Z",
          headers: unsigned.headers,
          body: unsigned.body,
        });
        assert.deepEqual(answer.body, {
          __type: "IncompleteSignatureException",
          message:
            "AWS query-string parameters must include 'X-Amz-Credential'. AWS query-string parameters must include 'X-Amz-Signature'. AWS query-string parameters must include 'X-Amz-SignedHeaders'. Re-examine the query-string parameters.",
        });
      });

      it("accepts a request signed by the SDK's signer, and checks the credential scope", async () => {
        const signed = await signer(goodKeys).sign(listStreamsRequest(server.endpoint));
        const ok = await send(server.endpoint, httpVersion, toRaw(signed));
        assert.equal(ok.status, 200);
        const otherService = await signer(goodKeys, "firehose").sign(listStreamsRequest(server.endpoint));
        const wrong = await send(server.endpoint, httpVersion, toRaw(otherService));
        assert.deepEqual(wrong.body, { __type: "InvalidSignatureException", message: "Credential should be scoped to correct service: 'kinesis'." });
      });

      it("accepts a presigned request and rejects it once altered or expired", async () => {
        const presigned = await signer(goodKeys).presign(listStreamsRequest(server.endpoint), {
          expiresIn: 60,
          unhoistableHeaders: new Set(["x-amz-target"]),
        });
        const raw = toRaw(presigned);
        assert.match(raw.path, /X-Amz-Signature=/);
        assert.equal(raw.headers.authorization, undefined);
        const ok = await send(server.endpoint, httpVersion, raw);
        assert.equal(ok.status, 200);
        assert.ok(Array.isArray(ok.body.StreamNames));

        const altered = await send(server.endpoint, httpVersion, { ...raw, path: raw.path.replace(/X-Amz-Signature=([0-9a-f])/, (_, c: string) => `X-Amz-Signature=${c === "0" ? "1" : "0"}`) });
        assert.deepEqual(altered.body, { __type: "InvalidSignatureException", message: mismatch });

        const old = await signer(goodKeys).presign(listStreamsRequest(server.endpoint), {
          expiresIn: 60,
          signingDate: new Date(Date.now() - 120_000),
          unhoistableHeaders: new Set(["x-amz-target"]),
        });
        const expired = await send(server.endpoint, httpVersion, toRaw(old));
        assert.equal(expired.body.__type, "InvalidSignatureException");
        assert.match(String(expired.body.message), /^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 60 sec\.\)$/);

        const unknown = await signer({ accessKeyId: "AKIDNOBODY", secretAccessKey: "x" }).presign(listStreamsRequest(server.endpoint), {
          unhoistableHeaders: new Set(["x-amz-target"]),
        });
        assert.equal((await send(server.endpoint, httpVersion, toRaw(unknown))).body.__type, "UnrecognizedClientException");
      });

      it("accepts a presigned URL whose payload was signed as UNSIGNED-PAYLOAD (as botocore presigns)", async () => {
        const request = listStreamsRequest(server.endpoint, '{"Limit":5}');
        const presigned = await signer(goodKeys).presign(
          { ...request, headers: { ...request.headers, "x-amz-content-sha256": "UNSIGNED-PAYLOAD" } },
          { expiresIn: 60, unhoistableHeaders: new Set(["x-amz-target", "x-amz-content-sha256"]), unsignableHeaders: new Set(["x-amz-content-sha256"]) },
        );
        const raw = toRaw(presigned);
        delete raw.headers["x-amz-content-sha256"];
        assert.equal((await send(server.endpoint, httpVersion, raw)).status, 200);
      });

      it("canonicalizes paths and query strings as the SDK's signer does", async () => {
        const request = listStreamsRequest(server.endpoint);
        const odd = {
          ...request,
          path: "/some%20dir/./x/../y/",
          query: { b: "2", a: ["z", "y"], "sp ace": "v+w*(x)!", empty: "" } as unknown as Record<string, string>,
        };
        const signed = await signer(goodKeys).sign(odd);
        const raw = toRaw(signed);
        const query = Object.entries(odd.query as unknown as Record<string, string | string[]>)
          .flatMap(([key, value]) => (Array.isArray(value) ? value : [value]).map((item) => `${encodeURIComponent(key)}=${encodeURIComponent(item)}`))
          .join("&");
        const answer = await send(server.endpoint, httpVersion, { ...raw, path: `${odd.path}?${query}` });
        assert.equal(answer.status, 200, JSON.stringify(answer.body));
        const changed = await send(server.endpoint, httpVersion, { ...raw, path: `${odd.path}?${query}&extra=1` });
        assert.deepEqual(changed.body, { __type: "InvalidSignatureException", message: mismatch });
      });

      it("rejects both an Authorization header and a presigned query", async () => {
        const signed = toRaw(await signer(goodKeys).sign(listStreamsRequest(server.endpoint)));
        const answer = await send(server.endpoint, httpVersion, { ...signed, path: "/?X-Amz-Algorithm=AWS4-HMAC-SHA256" });
        assert.deepEqual(answer.body, {
          __type: "InvalidSignatureException",
          message: "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.",
        });
      });
    });
  }

  it("answers an unknown action before checking the signature, as AWS does", async () => {
    const unsigned = listStreamsRequest(server.endpoint);
    const answer = await send(server.endpoint, "http1", {
      path: "/",
      headers: { ...unsigned.headers, "x-amz-target": "Kinesis_20131202.NoSuchAction" },
      body: unsigned.body,
    });
    assert.equal(answer.body.__type, "UnknownOperationException");
  });
});

describe("SigV4 time checks use the server's clock", async () => {
  const dir = await tempDir();
  const file = join(dir, "credentials");
  await writeFile(file, "AKIDFRESHET:freshet-secret\n");
  const clock = new ManualClock(Date.UTC(2026, 0, 1, 0, 10, 0));
  const server = await startServer({ credentials: file }, clock);

  it("words expiry and not-yet-current as AWS does", async () => {
    const at = (iso: string) => signer(goodKeys).sign(listStreamsRequest(server.endpoint), { signingDate: new Date(iso) });
    const expired = await send(server.endpoint, "h2", toRaw(await at("2026-01-01T00:00:00Z")));
    assert.deepEqual(expired.body, {
      __type: "InvalidSignatureException",
      message: "Signature expired: 20260101T000000Z is now earlier than 20260101T000500Z (20260101T001000Z - 5 min.)",
    });
    const early = await send(server.endpoint, "h2", toRaw(await at("2026-01-01T00:20:00Z")));
    assert.deepEqual(early.body, {
      __type: "InvalidSignatureException",
      message: "Signature not yet current: 20260101T002000Z is still later than 20260101T001500Z (20260101T001000Z + 5 min.)",
    });
    const inWindow = await send(server.endpoint, "h2", toRaw(await at("2026-01-01T00:14:00Z")));
    assert.equal(inWindow.status, 200);
  });
});

describe("credentials file", () => {
  it("reads key:secret lines and AWS shared-credentials profiles", () => {
    const keys = parseCredentials(credentialsFile, "test");
    assert.deepEqual([...keys], [
      ["AKIDFRESHET", "freshet-secret"],
      ["AKIDINI", "ini/secret+key"],
    ]);
  });

  it("rejects what it cannot read, naming the line", () => {
    assert.throws(() => parseCredentials("AKID:one\nnonsense\n", "f"), (error: Error) => error instanceof ConfigError && /line 2/.test(error.message));
    assert.throws(() => parseCredentials("[p]\naws_access_key_id = A\n", "f"), /needs both aws_access_key_id and aws_secret_access_key/);
    assert.throws(() => parseCredentials("# nothing\n", "f"), /holds no access keys/);
    assert.throws(() => parseCredentials("A:one\nA:two\n", "f"), /listed twice/);
  });

  it("is taken from --credentials and FRESHET_CREDENTIALS by freshet serve", async () => {
    const dir = await tempDir();
    const file = join(dir, "keys");
    await writeFile(file, "AKIDCLI:cli-secret\n");
    const cli = await startCli(["--in-memory", "--log-level", "info", "--credentials", file]);
    try {
      assert.ok(cli.logs.some((entry) => entry.msg === "SigV4 signatures verified" && entry.accessKeys === 1));
      const good = client(cli.endpoint, "http1", { accessKeyId: "AKIDCLI", secretAccessKey: "cli-secret" });
      assert.deepEqual((await good.send(new ListStreamsCommand({}))).StreamNames, []);
      const bad = client(cli.endpoint, "http1", { accessKeyId: "AKIDCLI", secretAccessKey: "wrong" });
      assert.equal((await rejection(bad.send(new ListStreamsCommand({})))).name, "InvalidSignatureException");
    } finally {
      cli.child.kill("SIGTERM");
      await exitOf(cli.child);
    }
    await assert.rejects(startCli(["--in-memory"], { FRESHET_CREDENTIALS: join(dir, "missing") }), /cannot read credentials file/);
  });
});
