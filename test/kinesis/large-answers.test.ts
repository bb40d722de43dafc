/**
 * A GetRecords answer of many megabytes that its client has not taken yet must not stop that client's next call on
 * the same HTTP/2 connection. This is the SDK's situation: its default handler sends every call of a client over one
 * session, and while it decodes one 14 MB answer it reads nothing, so another answer waits on the server. Node's
 * HTTP/2 server refuses new streams (ENHANCE_YOUR_CALM) while a session's queued output passes its memory limit;
 * the server hands answers over in pieces (serverDefaults.responsePieceBytes). Node's own HTTP/2 client stands in
 * for the busy SDK here, holding its flow-control window shut deterministically.
 */
import assert from "node:assert/strict";
import http2 from "node:http2";
import { after, describe, it } from "node:test";
import { CreateStreamCommand, GetShardIteratorCommand, PutRecordsCommand } from "@aws-sdk/client-kinesis";
import { kinesisClient } from "../support/kinesis.js";
import { startServer } from "../support/server.js";

const mebibyte = 1024 * 1024;
const records = 9;

interface Answer {
  readonly stream: http2.ClientHttp2Stream;
  readonly status: Promise<number>;
}

function call(session: http2.ClientHttp2Session, action: string, input: object): Answer {
  const stream = session.request({
    ":method": "POST",
    ":path": "/",
    "content-type": "application/x-amz-json-1.1",
    "x-amz-target": `Kinesis_20131202.${action}`,
  });
  stream.end(JSON.stringify(input));
  const status = new Promise<number>((resolve, reject) => {
    stream.once("response", (headers) => resolve(Number(headers[":status"])));
    stream.once("error", reject);
  });
  return { stream, status };
}

async function body(stream: http2.ClientHttp2Stream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe("Large answers over one HTTP/2 session", async () => {
  // Per-shard throughput limits off, so a shard takes 9 MiB at once.
  const server = await startServer({ limits: "off" });
  const kinesis = kinesisClient(server.endpoint, "http1");

  const data = Buffer.alloc(mebibyte - 16, "d");
  let shardIterator: string | undefined;

  /** `count` GetRecords of the whole shard, each answered (status 200) and none of them read yet. */
  async function unreadAnswers(session: http2.ClientHttp2Session, count: number): Promise<Answer[]> {
    if (shardIterator === undefined) {
      await kinesis.send(new CreateStreamCommand({ StreamName: "wide", ShardCount: 1 }));
      for (let i = 0; i < records; i++) {
        await kinesis.send(new PutRecordsCommand({ StreamName: "wide", Records: [{ PartitionKey: "k", Data: data }] }));
      }
      const { ShardIterator } = await kinesis.send(
        new GetShardIteratorCommand({ StreamName: "wide", ShardId: "shardId-000000000000", ShardIteratorType: "TRIM_HORIZON" }),
      );
      shardIterator = ShardIterator;
    }
    const answers = Array.from({ length: count }, () => call(session, "GetRecords", { ShardIterator: shardIterator }));
    for (const answer of answers) assert.equal(await answer.status, 200);
    return answers;
  }

  async function assertNextCallAnswered(session: http2.ClientHttp2Session): Promise<void> {
    const next = call(session, "DescribeStreamSummary", { StreamName: "wide" });
    assert.equal(await next.status, 200);
    const summary = JSON.parse((await body(next.stream)).toString()) as { StreamDescriptionSummary: { StreamName: string } };
    assert.equal(summary.StreamDescriptionSummary.StreamName, "wide");
  }

  it("takes the next call while a ~12 MB GetRecords answer waits for its client", async () => {
    const session = http2.connect(server.endpoint);
    after(() => session.destroy());
    const [large] = await unreadAnswers(session, 1);
    await assertNextCallAnswered(session);
    const answer = JSON.parse((await body(large!.stream)).toString()) as { Records: Array<{ Data: string }> };
    assert.equal(answer.Records.length, records);
    for (const record of answer.Records) assert.ok(Buffer.from(record.Data, "base64").equals(data));
  });

  it("takes the next call while 24 such answers (~300 MB) wait: only a piece of each is queued", async () => {
    const session = http2.connect(server.endpoint);
    after(() => session.destroy());
    const answers = await unreadAnswers(session, 24);
    await assertNextCallAnswered(session);
    const lengths = [];
    for (const answer of answers) lengths.push((await body(answer.stream)).length);
    assert.ok(lengths[0]! > records * mebibyte);
    assert.deepEqual(lengths, Array(answers.length).fill(lengths[0]));
  });
});
