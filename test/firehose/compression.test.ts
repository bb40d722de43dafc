/** S3 CompressionFormat containers, each decoded by an independent reader (zlib, fflate, test-side Snappy framings). */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import { gunzipSync } from "node:zlib";
import { unzipSync } from "fflate";
import { uncompressSync } from "snappy";
import {
  checkCompressionFormat,
  compressObject,
  contentEncodingOf,
  objectSuffix,
  type S3CompressionFormat,
} from "../../src/delivery/compression.js";
import { DeliveryError } from "../../src/delivery/errors.js";

/** 100 KiB of JSON lines (compressible) then 40 KiB of random bytes (not): blocks of both kinds, and a short tail. */
const body = Buffer.concat([
  Buffer.from(Array.from({ length: 3000 }, (_, i) => `{"n":${i},"text":"record number ${i} of the buffer"}\n`).join("")).subarray(0, 100 * 1024),
  randomBytes(40 * 1024),
]);

function unsnappy(block: Buffer): Buffer {
  return uncompressSync(block, { asBuffer: true }) as Buffer;
}

/** snappy-java's stream: 8-byte magic, version 1, compatible version 1, then (BE compressed length, block)*. */
function decodeSnappyJava(object: Buffer): { data: Buffer; blockSizes: number[] } {
  assert.deepEqual([...object.subarray(0, 8)], [0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
  assert.equal(object.readInt32BE(8), 1);
  assert.equal(object.readInt32BE(12), 1);
  const parts: Buffer[] = [];
  for (let position = 16; position < object.length; ) {
    const length = object.readInt32BE(position);
    parts.push(unsnappy(object.subarray(position + 4, position + 4 + length)));
    position += 4 + length;
    assert.ok(position <= object.length, "a block runs past the end");
  }
  return { data: Buffer.concat(parts), blockSizes: parts.map((part) => part.length) };
}

/** Hadoop's block stream: (BE uncompressed length, (BE compressed length, block)+ until that many bytes)*. */
function decodeHadoopSnappy(object: Buffer): { data: Buffer; blockSizes: number[] } {
  const parts: Buffer[] = [];
  for (let position = 0; position < object.length; ) {
    const expected = object.readInt32BE(position);
    position += 4;
    const blocks: Buffer[] = [];
    let produced = 0;
    while (produced < expected) {
      const length = object.readInt32BE(position);
      const block = unsnappy(object.subarray(position + 4, position + 4 + length));
      blocks.push(block);
      produced += block.length;
      position += 4 + length;
    }
    assert.equal(produced, expected, "a block's uncompressed length matches its header");
    parts.push(Buffer.concat(blocks));
  }
  return { data: Buffer.concat(parts), blockSizes: parts.map((part) => part.length) };
}

test("UNCOMPRESSED is the body itself; GZIP is one gzip member", async () => {
  assert.equal(await compressObject("UNCOMPRESSED", body), body);
  const gzipped = await compressObject("GZIP", body);
  assert.deepEqual([...gzipped.subarray(0, 2)], [0x1f, 0x8b]);
  assert.deepEqual(gunzipSync(gzipped), body);
});

test("ZIP holds one entry, named with a UUID, holding the body", async () => {
  const entries = unzipSync(await compressObject("ZIP", body));
  const names = Object.keys(entries);
  assert.equal(names.length, 1);
  assert.match(names[0] ?? "", /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  assert.deepEqual(Buffer.from(entries[names[0] ?? ""] ?? []), body);
});

test("Snappy is snappy-java's stream format in 32 KiB blocks", async () => {
  const { data, blockSizes } = decodeSnappyJava(await compressObject("Snappy", body));
  assert.deepEqual(data, body);
  assert.deepEqual(blockSizes, [32768, 32768, 32768, 32768, 12288]);
  assert.equal((await compressObject("Snappy", Buffer.alloc(0))).length, 16, "an empty object is the header alone");
});

test("HADOOP_SNAPPY is Hadoop's block format in 32 KiB blocks", async () => {
  const { data, blockSizes } = decodeHadoopSnappy(await compressObject("HADOOP_SNAPPY", body));
  assert.deepEqual(data, body);
  assert.deepEqual(blockSizes, [32768, 32768, 32768, 32768, 12288]);
  assert.equal((await compressObject("HADOOP_SNAPPY", Buffer.alloc(0))).length, 0);
});

test("key suffixes and Content-Encodings per format", () => {
  const formats: S3CompressionFormat[] = ["UNCOMPRESSED", "GZIP", "ZIP", "Snappy", "HADOOP_SNAPPY"];
  assert.deepEqual(
    formats.map((format) => [objectSuffix(format), contentEncodingOf(format)]),
    [
      ["", null],
      [".gz", "gzip"],
      [".zip", "zip"],
      [".snappy", "snappy-java"],
      [".snappy", "hadoop-snappy"],
    ],
  );
});

test("AWS's rules: UNCOMPRESSED with format conversion; only UNCOMPRESSED or GZIP for Redshift and HTTP endpoints", () => {
  assert.doesNotThrow(() => checkCompressionFormat("HADOOP_SNAPPY", "S3", false));
  assert.doesNotThrow(() => checkCompressionFormat("UNCOMPRESSED", "S3", true));
  assert.doesNotThrow(() => checkCompressionFormat("GZIP", "HttpEndpoint", false));
  const refused = (error: unknown) => error instanceof DeliveryError && error.code === "InvalidArgumentException";
  assert.throws(() => checkCompressionFormat("Snappy", "S3", true), refused);
  assert.throws(() => checkCompressionFormat("GZIP", "S3", true), refused);
  assert.throws(() => checkCompressionFormat("ZIP", "Redshift", false), refused);
  assert.throws(() => checkCompressionFormat("HADOOP_SNAPPY", "HttpEndpoint", false), refused);
});
