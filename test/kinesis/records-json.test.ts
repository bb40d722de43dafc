/**
 * Outputs that carry records are written from a template (records-json.ts); these hold its bytes to what the
 * generic JSON encoding gives for the same output: JSON.stringify of the value with timestamps as epoch seconds and
 * data as base64, and members in the output's own order.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import fc from "fast-check";
import { serverDefaults } from "../../src/config/limits.js";
import { jsonCodec } from "../../src/protocols/aws/codecs.js";
import { withRecordsJson } from "../../src/protocols/kinesis/records-json.js";

const record = fc.record({
  SequenceNumber: fc.bigInt({ min: 10n ** 55n, max: 10n ** 56n - 1n }).map(String),
  ApproximateArrivalTimestamp: fc.integer({ min: 0, max: 4_102_444_800_000 }).map((ms) => new Date(ms)),
  Data: fc.uint8Array({ maxLength: 2000 }).map((bytes) => Buffer.from(bytes)),
  // Any Unicode, lone surrogates included: keys arrive as JSON strings, which may hold them.
  PartitionKey: fc.string({ unit: "binary", minLength: 1, maxLength: 256 }),
  EncryptionType: fc.constantFrom("NONE" as const, "KMS" as const),
});

const childShard = fc.record({
  ShardId: fc.constantFrom("shardId-000000000001", "shardId-000000000002"),
  ParentShards: fc.array(fc.constant("shardId-000000000000"), { maxLength: 2 }),
  HashKeyRange: fc.record({ StartingHashKey: fc.constant("0"), EndingHashKey: fc.constant("340282366920938463463374607431768211455") }),
});

const getRecordsOutput = fc.record({
  Records: fc.array(record, { maxLength: 20 }),
  NextShardIterator: fc.option(fc.base64String({ minLength: 4, maxLength: 80 }), { nil: undefined }),
  MillisBehindLatest: fc.nat(),
  ChildShards: fc.option(fc.array(childShard, { maxLength: 2 }), { nil: undefined }),
});

const subscribeEvent = fc.record({
  Records: fc.array(record, { maxLength: 20 }),
  ContinuationSequenceNumber: fc.option(fc.constant("49590338271490256608559692538361571095921575989136588898"), { nil: undefined }),
  MillisBehindLatest: fc.nat(),
  ChildShards: fc.option(fc.array(childShard, { maxLength: 2 }), { nil: undefined }),
});

/** What the generic encoding gives: JSON.stringify once timestamps are seconds and data is base64. */
function stringified(output: object): string {
  return JSON.stringify(output, function (this: Record<string, unknown>, key, value: unknown) {
    const original = this[key];
    if (original instanceof Date) return original.getTime() / 1000;
    if (Buffer.isBuffer(original)) return original.toString("base64");
    return value;
  });
}

describe("records JSON", () => {
  for (const [name, outputs] of [
    ["GetRecords", getRecordsOutput],
    ["SubscribeToShardEvent", subscribeEvent],
  ] as const) {
    it(`writes a ${name} output byte for byte as the generic encoding does`, () => {
      fc.assert(
        fc.property(outputs, (output) => {
          assert.equal(jsonCodec.encode(withRecordsJson(output)).toString("utf8"), stringified(output));
        }),
        { numRuns: 300, seed: 20261122 },
      );
    });
  }

  it("writes an output beyond a piece (256 KiB) in pieces that add up to its length and to the same bytes", () => {
    const largeRecord = fc.record({
      SequenceNumber: fc.constant("49590338271490256608559692538361571095921575989136588898"),
      ApproximateArrivalTimestamp: fc.integer({ min: 0, max: 4_102_444_800_000 }).map((ms) => new Date(ms)),
      Data: fc.integer({ min: 0, max: 120_000 }).map((bytes) => randomBytes(bytes)),
      PartitionKey: fc.string({ unit: "binary", minLength: 1, maxLength: 256 }),
      EncryptionType: fc.constant("NONE" as const),
    });
    const largeOutput = fc.record({
      MillisBehindLatest: fc.nat(),
      Records: fc.array(largeRecord, { minLength: 1, maxLength: 16 }),
      NextShardIterator: fc.option(fc.base64String({ minLength: 4, maxLength: 80 }), { nil: undefined }),
      ChildShards: fc.option(fc.array(childShard, { maxLength: 2 }), { nil: undefined }),
    });
    let inSeveralPieces = 0;
    fc.assert(
      fc.property(largeOutput, (output) => {
        const expected = stringified(output);
        const body = jsonCodec.encodeAnswer(withRecordsJson(output));
        if (Buffer.isBuffer(body)) {
          assert.ok(body.length <= serverDefaults.responsePieceBytes);
          assert.equal(body.toString("utf8"), expected);
          return;
        }
        const pieces = [...body.pieces()];
        if (pieces.length > 1) inSeveralPieces++;
        assert.equal(body.length, Buffer.byteLength(expected));
        assert.equal(Buffer.concat(pieces).toString("utf8"), expected);
        assert.equal(jsonCodec.encode(withRecordsJson(output)).toString("utf8"), expected);
      }),
      { numRuns: 40, seed: 20261207 },
    );
    assert.ok(inSeveralPieces > 10, `only ${inSeveralPieces} outputs were made in several pieces`);
  });

  it("keeps members that come before the records before them", () => {
    const output = { MillisBehindLatest: 3, Records: [], NextShardIterator: "AAAA" };
    assert.equal(jsonCodec.encode(withRecordsJson(output)).toString(), '{"MillisBehindLatest":3,"Records":[],"NextShardIterator":"AAAA"}');
  });
});
