/** The record batch codec (src/storage/embedded/batch.ts), over arbitrary batches. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  decodeRecords,
  encodeBatch,
  encodedBatchBytes,
  readBatchHeader,
  verifyBatch,
} from "../../src/storage/embedded/batch.js";
import { CorruptDataError } from "../../src/storage/errors.js";
import type { AppendRecord, StoredRecord } from "../../src/storage/log-store.js";
import { acknowledgedRecords, snapshot } from "../support/records.js";

const bytes = (maxLength: number): fc.Arbitrary<Uint8Array> =>
  fc.oneof(fc.constant(new Uint8Array(0)), fc.uint8Array({ maxLength }));

const appendRecord: fc.Arbitrary<AppendRecord> = fc.record({
  // Text keys in any Unicode, lone surrogates included (stored as UTF-8, as Buffer.from encodes them).
  key: fc.oneof(fc.constant(null), bytes(64), fc.string({ unit: "binary", maxLength: 32 })),
  value: bytes(300),
});

const batch = fc.record({
  records: fc.array(appendRecord, { minLength: 1, maxLength: 30 }),
  baseOffset: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER - 1_000_000 }),
  timestamp: fc.maxSafeNat(),
});

/** Every record of the batch at `at`, decoded the way a read does; throws CorruptDataError if it is damaged. */
function decodeAll(buf: Buffer, at: number): { length: number; records: StoredRecord[] } | null {
  const header = readBatchHeader(buf, at);
  if (header === null) return null;
  verifyBatch(buf, at, header);
  const records: StoredRecord[] = [];
  const { full } = decodeRecords(buf, at, header, 0, records, Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY, 0);
  assert.equal(full, false);
  return { length: header.length, records };
}

describe("batch codec properties", () => {
  it("decodes every record exactly as encoded, wherever the batch sits in a buffer", () => {
    fc.assert(
      fc.property(batch, bytes(100), bytes(100), ({ records, baseOffset, timestamp }, before, after) => {
        const encoded = encodeBatch(records, baseOffset, timestamp);
        assert.equal(encoded.length, encodedBatchBytes(records));
        assert.deepEqual(readBatchHeader(encoded, 0), {
          length: encoded.length,
          recordCount: records.length,
          baseOffset,
          timestamp,
        });
        const buf = Buffer.concat([before, encoded, after]);
        const decoded = decodeAll(buf, before.length);
        assert.ok(decoded !== null);
        assert.equal(decoded.length, encoded.length);
        const expected = acknowledgedRecords(records, { baseOffset, count: records.length, timestamp });
        assert.deepEqual(snapshot(decoded.records), snapshot(expected));
      }),
    );
  });

  it("skips records below fromOffset", () => {
    fc.assert(
      fc.property(batch, fc.nat(), ({ records, baseOffset, timestamp }, skip) => {
        const encoded = encodeBatch(records, baseOffset, timestamp);
        const header = readBatchHeader(encoded, 0)!;
        const fromOffset = baseOffset + (skip % (records.length + 1));
        const into: StoredRecord[] = [];
        decodeRecords(encoded, 0, header, fromOffset, into, Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY, 0);
        assert.deepEqual(
          into.map((r) => r.offset),
          records.map((_, i) => baseOffset + i).filter((offset) => offset >= fromOffset),
        );
      }),
    );
  });

  it("detects any single damaged byte", () => {
    fc.assert(
      fc.property(batch, fc.nat(), fc.integer({ min: 1, max: 0xff }), ({ records, baseOffset, timestamp }, at, mask) => {
        const damaged = encodeBatch(records, baseOffset, timestamp);
        damaged[at % damaged.length]! ^= mask;
        let decoded: ReturnType<typeof decodeAll>;
        try {
          decoded = decodeAll(damaged, 0);
        } catch (error) {
          if (error instanceof CorruptDataError) return;
          throw error;
        }
        // Not refused outright: then the header claims another length than the batch has, which the store checks
        // against the file and the next batch before it trusts anything.
        assert.notEqual(decoded?.length, damaged.length, `byte ${at % damaged.length} flipped by ${mask} went unnoticed`);
      }),
    );
  });
});
