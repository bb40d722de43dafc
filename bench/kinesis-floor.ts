/**
 * The protocol's floor for the kinesis suite: a bare node:http (or node:http2 cleartext) endpoint that parses each
 * request's AWS JSON body, base64-decodes every record of a PutRecords or PutRecord and answers a well-formed
 * response, storing nothing. Whatever a Kinesis server does on top (hashing keys to shards, sequence numbers,
 * durable appends) costs more than this; it is the cost of the protocol itself in Node.
 *
 *   node kinesis-floor.js [--h2]     prints {"msg":"floor listening","port":…} on stdout, then serves on 127.0.0.1
 *
 * Enough of the control plane answers for the load generator's flow (CreateStream, DescribeStreamSummary,
 * ListShards); GetShardIterator and GetRecords answer an empty shard. Anything else is a 400.
 */
import { createServer as createHttp1Server, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createHttp2Server, type Http2ServerRequest, type Http2ServerResponse } from "node:http2";
import type { AddressInfo } from "node:net";
import { serverDefaults } from "../src/config/limits.js";

const h2 = process.argv.includes("--h2");
const shardId = "shardId-000000000000";
let sequence = 0n;
const sequenceBase = 49_000_000_000_000_000_000_000_000_000_000_000_000_000_000n;

type Body = Record<string, unknown>;

function respond(action: string, body: Body): { status: number; payload: unknown } {
  const now = Date.now() / 1000;
  const name = String(body["StreamName"] ?? "floor");
  const arn = `arn:aws:kinesis:us-east-1:000000000000:stream/${name}`;
  switch (action) {
    case "PutRecords": {
      const records = body["Records"] as Array<{ Data: string; PartitionKey: string }>;
      let bytes = 0;
      const results = records.map((record) => {
        bytes += Buffer.from(record.Data, "base64").length + record.PartitionKey.length;
        sequence++;
        return { SequenceNumber: String(sequenceBase + sequence), ShardId: shardId };
      });
      if (bytes < 0) throw new Error("unreachable");
      return { status: 200, payload: { FailedRecordCount: 0, Records: results } };
    }
    case "PutRecord": {
      Buffer.from(String(body["Data"]), "base64");
      sequence++;
      return { status: 200, payload: { SequenceNumber: String(sequenceBase + sequence), ShardId: shardId } };
    }
    case "CreateStream":
      return { status: 200, payload: {} };
    case "DescribeStreamSummary":
      return {
        status: 200,
        payload: {
          StreamDescriptionSummary: {
            StreamName: name,
            StreamARN: arn,
            StreamStatus: "ACTIVE",
            StreamModeDetails: { StreamMode: "PROVISIONED" },
            RetentionPeriodHours: 24,
            StreamCreationTimestamp: now,
            EnhancedMonitoring: [{ ShardLevelMetrics: [] }],
            EncryptionType: "NONE",
            OpenShardCount: 1,
            ConsumerCount: 0,
          },
        },
      };
    case "ListShards":
      return {
        status: 200,
        payload: {
          Shards: [
            {
              ShardId: shardId,
              HashKeyRange: { StartingHashKey: "0", EndingHashKey: String(2n ** 128n - 1n) },
              SequenceNumberRange: { StartingSequenceNumber: String(sequenceBase) },
            },
          ],
        },
      };
    case "GetShardIterator":
      return { status: 200, payload: { ShardIterator: "floor" } };
    case "GetRecords":
      return { status: 200, payload: { Records: [], NextShardIterator: "floor", MillisBehindLatest: 0 } };
    default:
      return { status: 400, payload: { __type: "UnknownOperationException", message: `the floor does not serve ${action}` } };
  }
}

function handle(request: IncomingMessage | Http2ServerRequest, response: ServerResponse | Http2ServerResponse): void {
  const target = String(request.headers["x-amz-target"] ?? "");
  const action = target.slice(target.indexOf(".") + 1);
  const chunks: Buffer[] = [];
  request.on("data", (chunk: Buffer) => chunks.push(chunk));
  request.on("end", () => {
    let status: number;
    let payload: unknown;
    try {
      const text = Buffer.concat(chunks).toString("utf8");
      ({ status, payload } = respond(action, text === "" ? {} : (JSON.parse(text) as Body)));
    } catch (error) {
      status = 400;
      payload = { __type: "SerializationException", message: String(error) };
    }
    const out = Buffer.from(JSON.stringify(payload));
    response.writeHead(status, {
      "content-type": "application/x-amz-json-1.1",
      "content-length": String(out.length),
      "x-amzn-requestid": "00000000-0000-0000-0000-000000000000",
    });
    response.end(out);
  });
}

function createFloorHttp2Server(): ReturnType<typeof createHttp2Server> {
  // The same flow-control windows as Freshet's, so that the two HTTP/2 runs differ only in what the server does.
  const server = createHttp2Server({ settings: { initialWindowSize: serverDefaults.http2StreamWindowBytes } }, handle);
  server.on("session", (session) => session.setLocalWindowSize(serverDefaults.http2ConnectionWindowBytes));
  return server;
}

const server = h2 ? createFloorHttp2Server() : createHttp1Server({ keepAliveTimeout: 60_000 }, handle);
server.listen(0, "127.0.0.1", () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ msg: "floor listening", port, protocol: h2 ? "h2c" : "http/1.1" })}\n`);
});
const stop = (): void => void server.close(() => process.exit(0));
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
