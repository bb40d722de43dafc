import assert from "node:assert/strict";
import { once, EventEmitter } from "node:events";
import { after, test } from "node:test";
import { gunzipSync } from "node:zlib";
import { CreateDeliveryStreamCommand, PutRecordBatchCommand } from "@aws-sdk/client-firehose";
import { pino } from "pino";
import { defaultSettings, type Settings } from "../../src/config/config.js";
import { FreshetServer } from "../../src/server/freshet-server.js";
import { ManualClock } from "../support/clock.js";
import { firehoseClient, makeRecords, roleArn } from "../support/firehose.js";
import { createBucket, getObjects, RunningS3rver, s3Client, s3rverCredentials } from "../support/s3rver.js";

const start = Date.UTC(2026, 0, 1, 13, 4, 5);
const uuid = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
/** Bounds every wait on the server, so a delivery that never happens fails the test instead of hanging it. */
const waitLimit = { timeout: 30_000 };

/** What the server logged as a failed object write: the error as pino serialises it. */
interface LoggedWriteError {
  readonly type: string;
  readonly message: string;
  readonly code: string | null;
  readonly detail: string;
}

/** A Freshet server delivering to `s3Endpoint`, with its delivery errors collected (and announced) as they are logged. */
async function startDelivering(s3Endpoint: string, overrides: Partial<Settings> = {}) {
  const clock = new ManualClock(start);
  const writeErrors: LoggedWriteError[] = [];
  const logged = new EventEmitter();
  const logger = pino(
    { level: "error" },
    {
      write(line: string) {
        const entry = JSON.parse(line) as { err?: LoggedWriteError; msg: string };
        if (entry.err !== undefined && entry.msg.startsWith("delivering to the destination failed")) {
          writeErrors.push(entry.err);
          logged.emit("write-error");
        }
      },
    },
  );
  const settings: Settings = {
    ...defaultSettings,
    port: 0,
    inMemory: true,
    s3Endpoint,
    s3AccessKeyId: s3rverCredentials.accessKeyId,
    s3SecretAccessKey: s3rverCredentials.secretAccessKey,
    ...overrides,
  };
  const server = await FreshetServer.start({ settings, logger, clock, timings: { delivery: { retryDelayMs: 10 } } });
  after(() => server.stop());
  const firehose = firehoseClient(server.endpoint);
  const createStream = (name: string, bucket: string, destination: Record<string, unknown> = {}) =>
    firehose.send(
      new CreateDeliveryStreamCommand({
        DeliveryStreamName: name,
        ExtendedS3DestinationConfiguration: {
          RoleARN: roleArn,
          BucketARN: `arn:aws:s3:::${bucket}`,
          BufferingHints: { SizeInMBs: 5, IntervalInSeconds: 60 },
          ...destination,
        },
      }),
    );
  const putRecords = (name: string, records: Buffer[]) =>
    firehose.send(new PutRecordBatchCommand({ DeliveryStreamName: name, Records: records.map((Data) => ({ Data })) }));
  /** Resolves once at least one more object write has failed (and been logged) since the call. */
  const nextWriteError = async (): Promise<LoggedWriteError> => {
    await once(logged, "write-error");
    return writeErrors.at(-1)!;
  };
  return { clock, server, createStream, putRecords, nextWriteError };
}

test("UNCOMPRESSED: one PutObject per flush, the records' bytes, keyed as in the local-directory case", waitLimit, async () => {
  const s3rver = await RunningS3rver.start(["bucket"]);
  const s3 = s3Client(s3rver.endpoint);
  const { clock, server, createStream, putRecords } = await startDelivering(s3rver.endpoint);
  await createStream("clicks", "bucket");
  const records = makeRecords(50, 2000);
  await putRecords("clicks", records);
  clock.advance(59_999);
  await server.delivery.whenIdle();
  assert.equal((await getObjects(s3, "bucket")).size, 0, "nothing before IntervalInSeconds");
  clock.advance(1);
  await server.delivery.whenIdle();
  const objects = await getObjects(s3, "bucket");
  assert.equal(objects.size, 1);
  const [key, object] = [...objects][0]!;
  assert.match(key, new RegExp(`^2026/01/01/13/clicks-1-2026-01-01-13-04-05-${uuid}$`));
  assert.deepEqual(object.body, Buffer.concat(records));
  assert.equal(object.contentType, "application/octet-stream");
});

test("GZIP: the object is one gzip member with the .gz suffix under the Prefix", waitLimit, async () => {
  const s3rver = await RunningS3rver.start(["logs"]);
  const s3 = s3Client(s3rver.endpoint);
  const { clock, server, createStream, putRecords } = await startDelivering(s3rver.endpoint);
  await createStream("zipped", "logs", {
    CompressionFormat: "GZIP",
    Prefix: "app/!{timestamp:yyyy}/",
    ErrorOutputPrefix: "errors/!{firehose:error-output-type}/",
  });
  const records = makeRecords(200, 1000);
  await putRecords("zipped", records);
  clock.advance(60_000);
  await server.delivery.whenIdle();
  const objects = await getObjects(s3, "logs");
  assert.equal(objects.size, 1);
  const [key, object] = [...objects][0]!;
  assert.match(key, new RegExp(`^app/2026/zipped-1-2026-01-01-13-04-05-${uuid}\\.gz$`));
  assert.ok(object.body.length < Buffer.concat(records).length);
  assert.equal(object.contentEncoding, "gzip", "labelled as Firehose labels GZIP objects");
  assert.deepEqual(gunzipSync(object.body), Buffer.concat(records));
});

test("a missing bucket: S3's NoSuchBucket is reported, the records wait, and arrive once the bucket exists", waitLimit, async () => {
  const s3rver = await RunningS3rver.start();
  const s3 = s3Client(s3rver.endpoint);
  const { clock, server, createStream, putRecords, nextWriteError } = await startDelivering(s3rver.endpoint);
  await createStream("early", "late-bucket");
  const records = makeRecords(20, 500);
  await putRecords("early", records);
  const failed = nextWriteError();
  clock.advance(60_000);
  // Wakes the loop to look at the clock; resolves only once the object is written.
  const delivered = server.delivery.whenIdle();
  const error = await failed;
  assert.equal(error.type, "S3WriteError");
  assert.equal(error.code, "NoSuchBucket");
  assert.equal(error.detail, "The specified bucket does not exist");
  // (pino appends the cause's message, S3's own, to the error's.)
  assert.match(error.message, /^writing s3:\/\/late-bucket\/2026\/01\/01\/13\/early-1-\S+ failed: NoSuchBucket: The specified bucket does not exist/);
  await nextWriteError(); // still failing, and still retried

  await createBucket(s3, "late-bucket");
  await delivered;
  const objects = await getObjects(s3, "late-bucket");
  assert.deepEqual([...objects.values()].map((object) => object.body), [Buffer.concat(records)], "every record, exactly once");
});

test("an endpoint that is down: the records wait, and arrive once it is back", waitLimit, async () => {
  const s3rver = await RunningS3rver.start(["bucket"]);
  const { clock, server, createStream, putRecords, nextWriteError } = await startDelivering(s3rver.endpoint);
  await createStream("patient", "bucket");
  await s3rver.stop();
  const records = makeRecords(20, 500);
  await putRecords("patient", records);
  const failed = nextWriteError();
  clock.advance(60_000);
  const delivered = server.delivery.whenIdle();
  const error = await failed;
  assert.equal(error.type, "S3WriteError");
  assert.equal(error.code, null, "no S3 error code: S3 never answered");
  assert.match(error.detail, /ECONNREFUSED/);

  await s3rver.restart();
  await delivered;
  const objects = await getObjects(s3Client(s3rver.endpoint), "bucket");
  assert.deepEqual([...objects.values()].map((object) => object.body), [Buffer.concat(records)]);
});

test("credentials S3 refuses: InvalidAccessKeyId, and nothing is delivered", waitLimit, async () => {
  const s3rver = await RunningS3rver.start(["bucket"]);
  const { clock, server, createStream, putRecords, nextWriteError } = await startDelivering(s3rver.endpoint, {
    s3AccessKeyId: "AKIDUNKNOWN",
    s3SecretAccessKey: "wrong",
  });
  await createStream("refused", "bucket");
  await putRecords("refused", [Buffer.from("x")]);
  const failed = nextWriteError();
  clock.advance(60_000);
  void server.delivery.whenIdle(); // wakes the loop; resolves only when the server stops
  assert.equal((await failed).code, "InvalidAccessKeyId");
  assert.equal((await getObjects(s3Client(s3rver.endpoint), "bucket")).size, 0);
});

test("an access key without its secret stops the server from starting", async () => {
  const settings: Settings = { ...defaultSettings, port: 0, inMemory: true, s3Endpoint: "http://127.0.0.1:9000", s3AccessKeyId: "AKID" };
  await assert.rejects(FreshetServer.start({ settings, logger: pino({ level: "silent" }) }), {
    name: "ConfigError",
    message: /s3AccessKeyId and s3SecretAccessKey are set together/,
  });
});
