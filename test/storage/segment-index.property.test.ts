/** The sparse segment index (src/storage/embedded/segment-index.ts), against plain linear scans. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { type IndexEntry, indexEntryBytes, SegmentIndex } from "../../src/storage/embedded/segment-index.js";

/** Entries as a segment writes them: offsets and positions strictly increasing, arrival times never decreasing. */
const entries: fc.Arbitrary<IndexEntry[]> = fc
  .array(
    fc.record({
      offsetStep: fc.integer({ min: 1, max: 1000 }),
      positionStep: fc.integer({ min: 1, max: 100_000 }),
      timeStep: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 10_000 })),
    }),
    { maxLength: 150 },
  )
  .map((steps) => {
    let relativeOffset = -1;
    let position = -1;
    let timestamp = Date.UTC(2026, 0, 1);
    return steps.map((step) => {
      relativeOffset += step.offsetStep;
      position += step.positionStep;
      timestamp += step.timeStep;
      return { relativeOffset, position, timestamp };
    });
  });

function indexOf(list: readonly IndexEntry[]): SegmentIndex {
  const index = SegmentIndex.empty();
  for (const entry of list) index.append(entry);
  return index;
}

function entriesOf(index: SegmentIndex): IndexEntry[] {
  return Array.from({ length: index.length }, (_, i) => index.entryAt(i));
}

/** Each field of an index file entry, decoded without SegmentIndex. */
function decodeEntries(file: Buffer): IndexEntry[] {
  return Array.from({ length: Math.floor(file.length / indexEntryBytes) }, (_, i) => ({
    relativeOffset: file.readUInt32BE(i * indexEntryBytes),
    position: file.readUInt32BE(i * indexEntryBytes + 4),
    timestamp: Number(file.readBigUInt64BE(i * indexEntryBytes + 8)),
  }));
}

/** The documented rule, spelled out: the longest run of whole entries that increase and point inside the log. */
function validPrefix(list: readonly IndexEntry[], logBytes: number): IndexEntry[] {
  const kept: IndexEntry[] = [];
  for (const entry of list) {
    const previous = kept.at(-1);
    if (entry.position >= logBytes) break;
    if (
      previous !== undefined &&
      !(entry.relativeOffset > previous.relativeOffset && entry.position > previous.position && entry.timestamp >= previous.timestamp)
    ) {
      break;
    }
    kept.push(entry);
  }
  return kept;
}

/** Damage to an index file, as crashes and disks do it. */
type Damage =
  | { readonly kind: "truncate"; readonly at: number }
  | { readonly kind: "flip"; readonly at: number; readonly mask: number }
  | { readonly kind: "zero from"; readonly at: number }
  | { readonly kind: "append junk"; readonly junk: Uint8Array };

const damage: fc.Arbitrary<Damage> = fc.oneof(
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), mask: fc.integer({ min: 1, max: 0xff }) }),
  fc.record({ kind: fc.constant("zero from" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("append junk" as const), junk: fc.uint8Array({ minLength: 1, maxLength: 40 }) }),
);

/** The damaged file, and the first entry the damage reaches. */
function damaged(file: Buffer, how: Damage): { bytes: Buffer; firstDamagedEntry: number } {
  const bytes = Buffer.from(file);
  switch (how.kind) {
    case "truncate": {
      const at = how.at % (file.length + 1);
      return { bytes: bytes.subarray(0, at), firstDamagedEntry: Math.floor(at / indexEntryBytes) };
    }
    case "flip": {
      if (file.length === 0) return { bytes, firstDamagedEntry: 0 };
      const at = how.at % file.length;
      bytes[at]! ^= how.mask;
      return { bytes, firstDamagedEntry: Math.floor(at / indexEntryBytes) };
    }
    case "zero from": {
      const at = how.at % (file.length + 1);
      bytes.fill(0, at);
      return { bytes, firstDamagedEntry: Math.floor(at / indexEntryBytes) };
    }
    case "append junk":
      return { bytes: Buffer.concat([bytes, how.junk]), firstDamagedEntry: Math.floor(file.length / indexEntryBytes) };
  }
}

describe("segment index properties", () => {
  it("keeps what is appended, and finds entries by offset and by time as a linear scan does", () => {
    fc.assert(
      fc.property(entries, fc.array(fc.nat(), { maxLength: 20 }), (list, randomQueries) => {
        const index = indexOf(list);
        assert.deepEqual(entriesOf(index), list);
        assert.equal(index.bytes().length, list.length * indexEntryBytes);
        assert.deepEqual(index.last(), list.at(-1) ?? null);
        const offsets = [...list.flatMap((e) => [e.relativeOffset - 1, e.relativeOffset, e.relativeOffset + 1]), ...randomQueries];
        for (const offset of offsets) {
          const expected = list.filter((e) => e.relativeOffset <= offset).at(-1) ?? null;
          assert.deepEqual(index.floorByOffset(offset), expected, `floorByOffset(${offset})`);
        }
        const base = Date.UTC(2026, 0, 1);
        const times = [...list.flatMap((e) => [e.timestamp - 1, e.timestamp, e.timestamp + 1]), ...randomQueries.map((q) => base + q)];
        for (const time of times) {
          const expected = list.filter((e) => e.timestamp < time).at(-1) ?? null;
          assert.deepEqual(index.lastBefore(time), expected, `lastBefore(${time})`);
        }
      }),
    );
  });

  it("reads back exactly the valid prefix of a damaged file, and appends after it", () => {
    fc.assert(
      fc.property(entries, damage, fc.nat(), (list, how, logCut) => {
        const file = Buffer.from(indexOf(list).bytes());
        const { bytes, firstDamagedEntry } = damaged(file, how);
        // The log the index belongs to: sometimes long enough for every entry, sometimes cut short by recovery.
        const logEnd = (list.at(-1)?.position ?? 0) + 1;
        const logBytes = logCut % 2 === 0 ? logEnd : logCut % (logEnd + 1);

        const index = SegmentIndex.fromFile(bytes, logBytes);
        const kept = entriesOf(index);
        assert.deepEqual(kept, validPrefix(decodeEntries(bytes), logBytes));
        const inLog = list.filter((e) => e.position < logBytes);
        assert.deepEqual(
          kept.slice(0, firstDamagedEntry),
          inLog.slice(0, firstDamagedEntry),
          "every entry before the damage that points inside the log is kept as written",
        );

        const last = kept.at(-1);
        const next = {
          relativeOffset: (last?.relativeOffset ?? 0) + 1,
          position: (last?.position ?? 0) + 1,
          timestamp: last?.timestamp ?? 0,
        };
        index.append(next);
        assert.deepEqual(entriesOf(index), [...kept, next], "an entry appended after recovery");
        assert.deepEqual(decodeEntries(Buffer.from(index.bytes())), [...kept, next]);
      }),
    );
  });
});
