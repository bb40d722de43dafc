/**
 * CompressionFormat ZIP, Snappy and HADOOP_SNAPPY end to end, delivered to s3rver and read back with the AWS SDK's
 * S3 client: each object's key suffix, and its contents decoded independently (the ZIP archive's entries read here
 * from its central directory and inflated by node:zlib; the snappy-java and Hadoop block containers parsed here,
 * block by block).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { inflateRawSync } from "node:zlib";
import { CreateDeliveryStreamCommand, PutRecordBatchCommand } from "@aws-sdk/client-firehose";
import { uncompressSync } from "snappy";
import { ManualClock } from "../support/clock.js";
import { firehoseClient, makeRecords, roleArn } from "../support/firehose.js";
import { getObjects, RunningS3rver, s3Client, s3rverCredentials, type StoredObject } from "../support/s3rver.js";
import { startServer } from "../support/server.js";

const timeout = 30_000;
const KiB = 1024;

/** Delivers three 20 KiB records (two 32 KiB Snappy blocks' worth) with `format`; returns the object and what was sent. */
async function deliver(format: "ZIP" | "Snappy" | "HADOOP_SNAPPY"): Promise<{ key: string; object: StoredObject; sent: Buffer }> {
  const s3rver = await RunningS3rver.start(["bucket"]);
  const clock = new ManualClock();
  const server = await startServer(
    { s3Endpoint: s3rver.endpoint, s3AccessKeyId: s3rverCredentials.accessKeyId, s3SecretAccessKey: s3rverCredentials.secretAccessKey },
    clock,
  );
  const firehose = firehoseClient(server.endpoint);
  await firehose.send(
    new CreateDeliveryStreamCommand({
      DeliveryStreamName: "compressed",
      ExtendedS3DestinationConfiguration: {
        RoleARN: roleArn,
        BucketARN: "arn:aws:s3:::bucket",
        CompressionFormat: format,
        BufferingHints: { SizeInMBs: 5, IntervalInSeconds: 60 },
      },
    }),
  );
  const records = makeRecords(3, 20 * KiB);
  await firehose.send(new PutRecordBatchCommand({ DeliveryStreamName: "compressed", Records: records.map((Data) => ({ Data })) }));
  clock.advance(60_000);
  await server.delivery.whenIdle();
  const objects = await getObjects(s3Client(s3rver.endpoint), "bucket");
  assert.equal(objects.size, 1);
  const [key, object] = [...objects][0]!;
  return { key, object, sent: Buffer.concat(records) };
}

/** Reads `count` big-endian 32-bit lengths then a block of the last length, until the end; returns the blocks. */
function snappyBlocks(body: Buffer, lengthsPerBlock: 1 | 2): Array<{ inputLength: number | null; block: Buffer }> {
  const blocks = [];
  let at = 0;
  while (at < body.length) {
    const inputLength = lengthsPerBlock === 2 ? body.readUInt32BE(at) : null;
    at += 4 * (lengthsPerBlock - 1);
    const length = body.readUInt32BE(at);
    at += 4;
    blocks.push({ inputLength, block: body.subarray(at, at + length) });
    at += length;
  }
  assert.equal(at, body.length, "the blocks end where the object ends");
  return blocks;
}

/** A ZIP archive's entries, found through its central directory (as unzip tools read them) and inflated by zlib. */
function zipEntries(archive: Buffer): Array<{ name: string; data: Buffer }> {
  const end = archive.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  assert.ok(end >= 0, "an end of central directory record");
  const count = archive.readUInt16LE(end + 10);
  let at = archive.readUInt32LE(end + 16);
  const entries = [];
  for (let i = 0; i < count; i++) {
    assert.equal(archive.readUInt32LE(at), 0x02014b50, "a central directory header");
    const method = archive.readUInt16LE(at + 10);
    const compressedSize = archive.readUInt32LE(at + 20);
    const nameLength = archive.readUInt16LE(at + 28);
    const extraLength = archive.readUInt16LE(at + 30);
    const commentLength = archive.readUInt16LE(at + 32);
    const local = archive.readUInt32LE(at + 42);
    const name = archive.subarray(at + 46, at + 46 + nameLength).toString("utf8");
    assert.equal(archive.readUInt32LE(local), 0x04034b50, "a local file header");
    const dataStart = local + 30 + archive.readUInt16LE(local + 26) + archive.readUInt16LE(local + 28);
    const stored = archive.subarray(dataStart, dataStart + compressedSize);
    entries.push({ name, data: method === 8 ? inflateRawSync(stored) : Buffer.from(stored) });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

test("ZIP: a .zip object holding one deflated entry, named by a UUID, of the records", { timeout }, async () => {
  const { key, object, sent } = await deliver("ZIP");
  assert.match(key, /\.zip$/);
  assert.equal(object.contentEncoding, "zip");
  const entries = zipEntries(object.body);
  assert.equal(entries.length, 1);
  assert.match(entries[0]!.name, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  assert.deepEqual(entries[0]!.data, sent);
});

test("Snappy: a .snappy object in snappy-java's stream format", { timeout }, async () => {
  const { key, object, sent } = await deliver("Snappy");
  assert.match(key, /\.snappy$/);
  assert.equal(object.contentEncoding, "snappy-java");
  const header = object.body.subarray(0, 16);
  assert.deepEqual(header, Buffer.from([0x82, ...Buffer.from("SNAPPY"), 0, 0, 0, 0, 1, 0, 0, 0, 1]));
  const blocks = snappyBlocks(object.body.subarray(16), 1);
  assert.equal(blocks.length, 2);
  assert.deepEqual(Buffer.concat(blocks.map(({ block }) => uncompressSync(block) as Buffer)), sent);
});

test("HADOOP_SNAPPY: a .snappy object in Hadoop's block format", { timeout }, async () => {
  const { key, object, sent } = await deliver("HADOOP_SNAPPY");
  assert.match(key, /\.snappy$/);
  assert.equal(object.contentEncoding, "hadoop-snappy");
  const blocks = snappyBlocks(object.body, 2);
  assert.equal(blocks.length, 2);
  const decoded = blocks.map(({ inputLength, block }) => {
    const input = uncompressSync(block) as Buffer;
    assert.equal(input.length, inputLength);
    return input;
  });
  assert.deepEqual(Buffer.concat(decoded), sent);
});
