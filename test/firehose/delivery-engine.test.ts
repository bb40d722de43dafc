/** The delivery engine on its own (memory stores, a ManualClock, a scripted destination), and object keys. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { DeliveryService } from "../../src/delivery/delivery-service.js";
import { DeliveryError } from "../../src/delivery/errors.js";
import type { ObjectWriter } from "../../src/delivery/local-objects.js";
import { checkpointsNamespace } from "../../src/delivery/model.js";
import { checkPrefix, checkTimeZone, formatJavaDate } from "../../src/delivery/object-keys.js";
import { StorageIoError } from "../../src/storage/errors.js";
import { MemoryLogStore } from "../../src/storage/memory/memory-log-store.js";
import { MemoryMetadataStore } from "../../src/storage/memory/memory-metadata-store.js";
import { ManualClock } from "../support/clock.js";
import { s3Destination } from "../support/firehose.js";

const destination = s3Destination({ roleArn: "arn:aws:iam::000000000000:role/r", bucketArn: "arn:aws:s3:::b" });

/** A destination that fails the first `failures` writes. */
class FlakyWriter implements ObjectWriter {
  readonly objects: Array<{ key: string; body: Buffer }> = [];
  attempts = 0;
  constructor(public failures: number) {}
  async put(_bucket: string, key: string, body: Uint8Array): Promise<void> {
    this.attempts++;
    if (this.failures > 0) {
      this.failures--;
      throw new Error("S3 is down");
    }
    this.objects.push({ key, body: Buffer.from(body) });
  }
}

test("a failed object write is retried with the same records; the checkpoint moves only after success", async () => {
  const clock = new ManualClock();
  const metadata = new MemoryMetadataStore();
  const log = new MemoryLogStore(clock);
  const writer = new FlakyWriter(2);
  const errors: string[] = [];
  const service = new DeliveryService(metadata, log, clock, writer, { retryDelayMs: 0, onError: (_, __, what) => errors.push(what) });
  await service.start();
  const ref = { region: "us-east-1", name: "flaky" };
  await service.create(ref, { destination, tags: {} });
  const results = await service.putRecords(ref, [Buffer.from("a"), Buffer.from("b")]);
  assert.ok(results.every((result) => result.ok));
  await service.whenIdle();
  assert.equal(writer.attempts, 3);
  assert.equal(errors.length, 2);
  assert.deepEqual(
    writer.objects.map((object) => String(object.body)),
    ["ab"],
  );
  assert.equal(metadata.get(checkpointsNamespace, "us-east-1/flaky"), 2);
  assert.equal(log.stats((service.get(ref)).logName, 0).startOffset, 2, "delivered records are trimmed from the log");
  assert.equal(service.failure(ref), undefined, "a delivery that succeeded clears the failure");
  await service.stop();
});

test("a destination that keeps failing is reported until a delivery succeeds", async () => {
  const clock = new ManualClock();
  const writer = new FlakyWriter(Number.MAX_SAFE_INTEGER);
  let failed!: () => void;
  const firstFailure = new Promise<void>((resolve) => (failed = resolve));
  const service = new DeliveryService(new MemoryMetadataStore(), new MemoryLogStore(clock), clock, writer, {
    retryDelayMs: 10,
    onError: () => failed(),
  });
  await service.start();
  const ref = { region: "us-east-1", name: "down" };
  await service.create(ref, { destination, tags: {} });
  await service.putRecords(ref, [Buffer.from("a")]);
  await firstFailure;
  const failure = service.failure(ref);
  assert.ok(failure !== undefined);
  assert.match(String(failure.error), /S3 is down/);
  writer.failures = 0;
  await service.whenIdle();
  assert.equal(writer.objects.length, 1);
  assert.equal(service.failure(ref), undefined);
  await service.stop();
});

test("a stop gives a failing destination one attempt and leaves the records for the next start", async () => {
  const clock = new ManualClock();
  const metadata = new MemoryMetadataStore();
  const log = new MemoryLogStore(clock);
  const down = new FlakyWriter(Number.MAX_SAFE_INTEGER);
  const first = new DeliveryService(metadata, log, clock, down, { retryDelayMs: 3_600_000 });
  await first.start();
  const ref = { region: "us-east-1", name: "later" };
  await first.create(ref, { destination: { ...destination, intervalInSeconds: 900 }, tags: {} });
  await first.putRecords(ref, [Buffer.from("x")]);
  await first.whenIdle();
  await first.stop();
  assert.equal(down.attempts, 1);
  assert.equal(metadata.get(checkpointsNamespace, "us-east-1/later"), 0);

  const up = new FlakyWriter(0);
  const second = new DeliveryService(metadata, log, clock, up);
  await second.start();
  clock.advance(900_000);
  await second.whenIdle();
  assert.deepEqual(up.objects.map((object) => String(object.body)), ["x"]);
  await second.stop();
});

test("timestamp patterns: Java's letters in UTC, quoted literals; unsupported letters are refused", () => {
  const time = Date.UTC(2026, 1, 3, 4, 5, 6, 7);
  assert.equal(formatJavaDate("yyyy/MM/dd/HH/", time, "Prefix"), "2026/02/03/04/");
  assert.equal(formatJavaDate("yy-M-d-H-m-s.SSS", time, "Prefix"), "26-2-3-4-5-6.007");
  assert.equal(formatJavaDate("'year='yyyy'/''x'", time, "Prefix"), "year=2026/'x");
  assert.throws(() => formatJavaDate("yyyy-ww", time, "Prefix"), DeliveryError);
  assert.throws(() => checkPrefix("Prefix", "!{timestamp:yyyy"), /unterminated/);
  assert.throws(() => checkPrefix("Prefix", "!{partitionKeyFromLambda:k}/"), /partitionKeyFromLambda/);
  checkPrefix("Prefix", "a/!{timestamp:yyyy}/!{firehose:random-string}/");
});

test("CustomTimeZone: the wall clock of an IANA zone, across offsets and daylight saving; unknown zones are refused", () => {
  const newYearUtc = Date.UTC(2026, 0, 1, 16, 30, 5, 9);
  assert.equal(formatJavaDate("yyyy-MM-dd HH:mm:ss.SSS", newYearUtc, "Prefix", "Asia/Tokyo"), "2026-01-02 01:30:05.009");
  assert.equal(formatJavaDate("yyyy-MM-dd HH:mm", newYearUtc, "Prefix", "Asia/Kolkata"), "2026-01-01 22:00");
  assert.equal(formatJavaDate("HH", Date.UTC(2026, 6, 1, 12), "Prefix", "America/New_York"), "08", "summer: UTC−4");
  assert.equal(formatJavaDate("HH", Date.UTC(2026, 0, 1, 12), "Prefix", "America/New_York"), "07", "winter: UTC−5");
  assert.equal(formatJavaDate("yyyy/MM/dd/HH", Date.UTC(1969, 11, 31, 23, 59, 59, 500), "Prefix", "UTC"), "1969/12/31/23");
  checkTimeZone("Europe/Berlin");
  assert.throws(() => checkTimeZone("Mars/Olympus_Mons"), /CustomTimeZone Mars\/Olympus_Mons is not a valid time zone/);
});

test("a failed append is reported per record, and nothing of the batch is delivered", async () => {
  const clock = new ManualClock();
  const metadata = new MemoryMetadataStore();
  const memory = new MemoryLogStore(clock);
  let failAppends = true;
  const log = new Proxy(memory, {
    get(target, property, receiver) {
      if (property === "append" && failAppends) {
        return async () => {
          throw new StorageIoError("disk full", { cause: new Error("ENOSPC") });
        };
      }
      const value = Reflect.get(target, property, receiver) as unknown;
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  const writer = new FlakyWriter(0);
  const service = new DeliveryService(metadata, log, clock, writer);
  await service.start();
  const ref = { region: "us-east-1", name: "full" };
  await service.create(ref, { destination, tags: {} });
  const failed = await service.putRecords(ref, [Buffer.from("a"), Buffer.from("b")]);
  assert.deepEqual(
    failed.map((result) => (result.ok ? "ok" : result.errorCode)),
    ["ServiceUnavailableException", "ServiceUnavailableException"],
  );
  failAppends = false;
  assert.ok((await service.putRecords(ref, [Buffer.from("c")]))[0]!.ok);
  await service.whenIdle();
  assert.deepEqual(writer.objects.map((object) => String(object.body)), ["c"]);
  await service.stop();
});

test("ingest quota: 2,000 calls per second per stream; the 2,001st call fails whole", async () => {
  const clock = new ManualClock();
  const log = new MemoryLogStore(clock);
  const service = new DeliveryService(new MemoryMetadataStore(), log, clock, new FlakyWriter(0), { throughputLimits: true });
  await service.start();
  const ref = { region: "us-east-1", name: "calls" };
  await service.create(ref, { destination: { ...destination, intervalInSeconds: 900 }, tags: {} });
  const other = { region: "us-east-1", name: "other" };
  await service.create(other, { destination: { ...destination, intervalInSeconds: 900 }, tags: {} });
  for (let i = 0; i < 2000; i++) await service.putRecords(ref, []);
  await assert.rejects(service.putRecords(ref, [Buffer.from("x")]), (error: DeliveryError) => error.code === "ServiceUnavailableException");
  assert.ok((await service.putRecords(other, [Buffer.from("x")]))[0]!.ok, "quotas are per stream");
  clock.advance(1);
  assert.ok((await service.putRecords(ref, [Buffer.from("x")]))[0]!.ok, "the bucket refills continuously");
  await service.stop();
});

test("a failed error-output write reads the same records again without buffering any of them twice", async () => {
  const clock = new ManualClock();
  const writer = new FlakyWriter(1);
  const service = new DeliveryService(new MemoryMetadataStore(), new MemoryLogStore(clock), clock, writer, { retryDelayMs: 0 });
  await service.start();
  const ref = { region: "us-east-1", name: "partitioned" };
  await service.create(ref, {
    destination: s3Destination({
      prefix: "k=!{partitionKeyFromQuery:k}/",
      errorOutputPrefix: "errors/",
      sizeInMBs: 64,
      intervalInSeconds: 60,
      dynamicPartitioning: { enabled: true, retryDurationInSeconds: 300 },
      processing: {
        enabled: true,
        processors: [{ type: "MetadataExtraction", metadataExtractionQuery: "{k:.k}", jsonParsingEngine: "JQ-1.6", parameters: [] }],
      },
    }),
    tags: {},
  });
  await service.putRecords(ref, ['{"k":"a","n":1}', "not json", '{"k":"b","n":2}'].map((text) => Buffer.from(text)));
  await service.whenIdle();
  clock.advance(60_000);
  await service.whenIdle();
  const written = new Map(writer.objects.map(({ key, body }) => [key.slice(0, key.indexOf("/")), String(body)]));
  assert.equal(writer.attempts, 4, "the error output failed once, then it and both partitions were written");
  assert.equal(written.get("k=a"), '{"k":"a","n":1}');
  assert.equal(written.get("k=b"), '{"k":"b","n":2}');
  assert.match(written.get("errors") ?? "", /"errorMessage":"Non JSON record provided"/);
  await service.stop();
});
