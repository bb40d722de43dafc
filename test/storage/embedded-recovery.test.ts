/**
 * Durability and recovery of the embedded log: its files are damaged the way crashes and failing disks damage them,
 * then the store is opened again. Segments and index intervals are tiny, so a short workload spans several of each.
 */
import assert from "node:assert/strict";
import { appendFile, cp, readdir, readFile, rm, stat, truncate, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { describe, it } from "node:test";
import {
  EmbeddedLogStore,
  type EmbeddedLogStoreOptions,
  type FsyncPolicy,
} from "../../src/storage/embedded/embedded-log-store.js";
import { CorruptDataError } from "../../src/storage/errors.js";
import type { AppendRecord, AppendResult, LogStore } from "../../src/storage/log-store.js";
import { ManualClock } from "../support/clock.js";
import { acknowledgedRecords, readAll, record, type RecordSnapshot, snapshot, values } from "../support/records.js";
import {
  flipByte,
  garbage,
  partitionDir,
  segmentBases,
  type SegmentOnDisk,
  segmentsIn,
} from "../support/segment-files.js";
import { tempDir } from "../support/temp-dir.js";

const log = "s";
const second = 1000;
const segmentBytes = 512;
const indexIntervalBytes = 100;

/**
 * The workload: batch i holds a keyed and an unkeyed record (77 bytes on disk), one second after batch i − 1, except
 * batch 7, one big record that fills a segment by itself. So segments hold 7, 1 and 7 batches, then the active
 * segment 5; a full segment has index entries at its 3rd, 5th and 7th batch, the active one at its 3rd and 5th.
 * "rolls a segment once it reaches segmentBytes" checks this layout.
 */
const batchCount = 20;
const bigBatch = 7;

function workloadBatch(i: number): AppendRecord[] {
  const n = String(i).padStart(4, "0");
  if (i === bigBatch) return [{ key: Buffer.from(`k${n}`), value: Buffer.alloc(500, i) }];
  return [0, 1].map((j) => ({
    key: j === 0 ? Buffer.from(`k${n}`) : null,
    value: Buffer.concat([Buffer.from(`value-${n}`), Buffer.from([j, 0xff])]),
  }));
}

interface Fixture {
  readonly dataDir: string;
  /** Partition 0 of log `s`, where the workload is. */
  readonly dir: string;
  readonly clock: ManualClock;
  /** The workload as it read back before anything was damaged. */
  readonly expected: RecordSnapshot[];
  /** What recovery reported, over every open. */
  readonly recovered: string[];
  open(options?: Partial<EmbeddedLogStoreOptions>): Promise<EmbeddedLogStore>;
}

/** A data directory holding the workload, written and cleanly closed. */
async function fixture(): Promise<Fixture> {
  const dataDir = await tempDir();
  const clock = new ManualClock();
  const recovered: string[] = [];
  const open = (options: Partial<EmbeddedLogStoreOptions> = {}): Promise<EmbeddedLogStore> =>
    EmbeddedLogStore.open({
      dataDir,
      clock,
      segmentBytes,
      indexIntervalBytes,
      onRecovery: (message) => recovered.push(message),
      ...options,
    });
  const store = await open();
  await store.createLog(log, 1);
  for (let i = 0; i < batchCount; i++) {
    clock.advance(second);
    await store.append(log, 0, workloadBatch(i));
  }
  const expected = snapshot(await readAll(store, log, 0));
  await store.close();
  return { dataDir, dir: partitionDir(dataDir, log, 0), clock, expected, recovered, open };
}

function recordsBelow(expected: readonly RecordSnapshot[], offset: number): RecordSnapshot[] {
  return expected.filter((r) => r.offset < offset);
}

/**
 * The partition reads back exactly `expected` (which starts at offset 0): whole, one record at a time from every
 * offset (each read finding its place through the index), and by arrival time.
 */
async function assertReads(store: LogStore, expected: readonly RecordSnapshot[]): Promise<void> {
  const endOffset = expected.length;
  assert.deepEqual(snapshot(await readAll(store, log, 0)), expected);
  assert.equal(store.stats(log, 0).endOffset, endOffset);
  for (const one of expected) {
    const page = await store.read(log, 0, one.offset, { maxRecords: 1, maxBytes: 1 });
    assert.deepEqual(snapshot(page.records), [one], `read from offset ${one.offset}`);
    const firstAt = expected.find((r) => r.timestamp >= one.timestamp)!.offset;
    assert.equal(await store.offsetForTimestamp(log, 0, one.timestamp), firstAt, `offset for time ${one.timestamp}`);
    const firstAfter = expected.find((r) => r.timestamp > one.timestamp)?.offset ?? endOffset;
    assert.equal(await store.offsetForTimestamp(log, 0, one.timestamp + 1), firstAfter, `after time ${one.timestamp}`);
  }
}

/** The next append lands right after `kept`, and all of it reads back after yet another restart. Closes `store`. */
async function assertCarriesOn(f: Fixture, store: EmbeddedLogStore, kept: readonly RecordSnapshot[]): Promise<void> {
  f.clock.advance(second);
  const appended = [record("after recovery")];
  const result = await store.append(log, 0, appended);
  assert.equal(result.baseOffset, kept.length, "the next append takes the offset after the last intact record");
  await store.close();
  const reopened = await f.open();
  await assertReads(reopened, [...kept, ...snapshot(acknowledgedRecords(appended, result))]);
  await reopened.close();
}

async function fileSize(path: string): Promise<number> {
  return (await stat(path)).size;
}

function segmentBytesOnDisk(segment: SegmentOnDisk): number {
  return segment.batches.reduce((sum, batch) => sum + batch.length, 0);
}

function fileNames(segments: readonly SegmentOnDisk[]): string[] {
  return segments.flatMap((s) => [basename(s.logPath), basename(s.indexPath)]).sort();
}

describe("embedded log: segment rolls", () => {
  it("rolls a segment once it reaches segmentBytes", async () => {
    const f = await fixture();
    const segments = await segmentsIn(f.dir);
    assert.deepEqual(
      segments.map((s) => s.batches.length),
      [7, 1, 7, 5],
      "the workload's layout, which the other tests rely on",
    );
    for (const [i, segment] of segments.entries()) {
      const size = segmentBytesOnDisk(segment);
      const last = segment.batches.at(-1)!;
      if (i < segments.length - 1) {
        assert.ok(size >= segmentBytes, "a sealed segment reached the size");
        assert.ok(size - last.length < segmentBytes, "and was sealed by the first batch that took it there");
        assert.equal(segments[i + 1]!.baseOffset, last.baseOffset + last.recordCount, "segments are contiguous");
      } else {
        assert.ok(size < segmentBytes, "the active segment has not reached it");
      }
    }
    assert.deepEqual(
      await Promise.all(segments.map(async (s) => (await fileSize(s.indexPath)) / 16)),
      [3, 1, 3, 2],
      "index entries per segment",
    );
  });

  it("rolls a segment once its first record is segmentMs old", async () => {
    const dataDir = await tempDir();
    const clock = new ManualClock();
    const store = await EmbeddedLogStore.open({ dataDir, clock, segmentMs: 60 * second });
    await store.createLog(log, 1);
    const dir = partitionDir(dataDir, log, 0);
    await store.append(log, 0, [record("a")]);
    clock.advance(60 * second - 1);
    await store.append(log, 0, [record("b")]);
    assert.deepEqual(await segmentBases(dir), [0], "not yet segmentMs old");
    clock.advance(1);
    await store.append(log, 0, [record("c")]);
    assert.deepEqual(await segmentBases(dir), [0, 2], "rolled at segmentMs");
    clock.advance(10 * 60 * second);
    assert.deepEqual(await segmentBases(dir), [0, 2], "nothing rolls without an append");
    await store.append(log, 0, [record("d")]);
    await store.append(log, 0, [record("e")]);
    assert.deepEqual(await segmentBases(dir), [0, 2, 3]);
    assert.equal(store.stats(log, 0).segmentCount, 3);
    await store.close();
    const reopened = await EmbeddedLogStore.open({ dataDir, clock, segmentMs: 60 * second });
    assert.deepEqual(values(await readAll(reopened, log, 0)), ["a", "b", "c", "d", "e"]);
    await reopened.close();
  });
});

describe("embedded log: restart after a crash mid-write", () => {
  const cuts: Array<[string, (length: number) => number]> = [
    ["inside its header", () => 10],
    ["inside its records", (length) => Math.floor(length / 2)],
    ["one byte short", (length) => length - 1],
  ];
  for (const [where, cutAt] of cuts) {
    it(`cuts a torn last batch (${where}) and keeps everything before it byte for byte`, async () => {
      const f = await fixture();
      const active = (await segmentsIn(f.dir)).at(-1)!;
      const last = active.batches.at(-1)!;
      await truncate(active.logPath, last.position + cutAt(last.length));
      const store = await f.open();
      assert.equal(await fileSize(active.logPath), last.position, "the torn bytes are cut from the file");
      assert.match(f.recovered.join("\n"), /cut \d+ bytes from the end of .*torn batch/);
      const kept = recordsBelow(f.expected, last.baseOffset);
      await assertReads(store, kept);
      await assertCarriesOn(f, store, kept);
    });
  }

  const trailers: Array<[string, (lastBatch: Buffer) => Buffer]> = [
    ["zeros, as from a preallocated page", () => Buffer.alloc(4096)],
    ["junk", () => garbage(300)],
    ["a stale copy of the last batch", (lastBatch) => lastBatch],
  ];
  for (const [what, trailer] of trailers) {
    it(`cuts ${what} after the last batch`, async () => {
      const f = await fixture();
      const active = (await segmentsIn(f.dir)).at(-1)!;
      const last = active.batches.at(-1)!;
      const size = await fileSize(active.logPath);
      const lastBatch = (await readFile(active.logPath)).subarray(last.position);
      await appendFile(active.logPath, trailer(lastBatch));
      const store = await f.open();
      assert.equal(await fileSize(active.logPath), size);
      assert.match(f.recovered.join("\n"), /cut \d+ bytes from the end of/);
      await assertReads(store, f.expected);
      await assertCarriesOn(f, store, f.expected);
    });
  }

  it("cuts the last batch of the active segment whichever of its bytes is flipped, and keeps the ones before", async () => {
    const f = await fixture();
    const active = (await segmentsIn(f.dir)).at(-1)!;
    const last = active.batches.at(-1)!;
    const kept = recordsBelow(f.expected, last.baseOffset);
    const pristineLog = await readFile(active.logPath);
    const pristineIndex = await readFile(active.indexPath);
    for (let i = 0; i < last.length; i++) {
      await writeFile(active.logPath, pristineLog);
      await writeFile(active.indexPath, pristineIndex);
      await flipByte(active.logPath, last.position + i);
      const store = await f.open();
      assert.deepEqual(snapshot(await readAll(store, log, 0)), kept, `byte ${i} of the last batch flipped`);
      assert.equal(await fileSize(active.logPath), last.position, `byte ${i} of the last batch flipped`);
      await store.close();
    }
    const store = await f.open();
    await assertReads(store, kept);
    await assertCarriesOn(f, store, kept);
  });
});

describe("embedded log: damaged index files", () => {
  type Damage = [how: string, damageIndex: (path: string) => Promise<void>];
  const damage: Damage[] = [
    ["deleted", (path) => rm(path)],
    ["overwritten with junk", async (path) => writeFile(path, garbage(await fileSize(path)))],
    ["overwritten with zeros", async (path) => writeFile(path, Buffer.alloc(await fileSize(path)))],
    ["truncated mid-entry", async (path) => truncate(path, (await fileSize(path)) - 8)],
  ];

  for (const [how, damageIndex] of damage) {
    it(`rebuilds sealed segments' indexes ${how}, and reads by offset and time as before`, async () => {
      const f = await fixture();
      const sealed = (await segmentsIn(f.dir)).slice(0, -1);
      const original = await Promise.all(sealed.map((s) => readFile(s.indexPath)));
      for (const segment of sealed) await damageIndex(segment.indexPath);
      const store = await f.open();
      await assertReads(store, f.expected);
      for (const [i, segment] of sealed.entries()) {
        assert.deepEqual(await readFile(segment.indexPath), original[i], `index of segment ${segment.baseOffset} rebuilt`);
      }
      await store.close();
    });
  }

  const activeDamage: Damage[] = [...damage, ["cut to half an entry", (path) => truncate(path, 8)]];
  for (const [how, damageIndex] of activeDamage) {
    it(`recovers the active segment with its index ${how}`, async () => {
      const f = await fixture();
      const active = (await segmentsIn(f.dir)).at(-1)!;
      const original = await readFile(active.indexPath);
      await damageIndex(active.indexPath);
      const store = await f.open();
      assert.deepEqual(await readFile(active.indexPath), original, "the index is rebuilt at the restart");
      await assertReads(store, f.expected);
      await assertCarriesOn(f, store, f.expected);
    });
  }
});

describe("embedded log: bit rot in a sealed segment", () => {
  it("refuses to read a range holding the damaged batch, and reads every other range", async () => {
    const f = await fixture();
    const segments = await segmentsIn(f.dir);
    // The 3rd batch of the first segment: reads from the 4th start at its index entry and skip it by its header.
    const damaged = segments[0]!.batches[2]!;
    await flipByte(segments[0]!.logPath, damaged.position + damaged.length - 3);
    const store = await f.open();
    const isDamaged = (offset: number): boolean =>
      offset >= damaged.baseOffset && offset < damaged.baseOffset + damaged.recordCount;
    await assert.rejects(readAll(store, log, 0), CorruptDataError);
    for (const from of f.expected) {
      for (const maxRecords of [1, 3, 1000]) {
        const wanted = f.expected.filter((r) => r.offset >= from.offset).slice(0, maxRecords);
        const read = store.read(log, 0, from.offset, { maxRecords, maxBytes: 1 << 20 });
        const what = `${maxRecords} records from offset ${from.offset}`;
        if (wanted.some((r) => isDamaged(r.offset))) await assert.rejects(read, CorruptDataError, what);
        else assert.deepEqual(snapshot((await read).records), wanted, what);
      }
    }
    await store.close();
  });

  it("never returns a record that is not what was written, whichever byte flips", async () => {
    const f = await fixture();
    const store = await f.open();
    await assertReads(store, f.expected);
    const [sealed, next] = await segmentsIn(f.dir);
    const [firstBatch, secondBatch, thirdBatch, fourthBatch] = sealed!.batches;
    // Reads that walk over the first batches: from any of their offsets (reads from the 3rd batch on start at its
    // index entry), and from the next segment.
    const starts = [...f.expected.filter((r) => r.offset < fourthBatch!.baseOffset).map((r) => r.offset), next!.baseOffset];
    // Every byte of the first two batches and the third's header, all bits flipped; and one flip that turns the
    // first batch's length into that of the first two, so that skipping it by its header lands right on the third.
    const flips = Array.from({ length: thirdBatch!.position + 32 }, (_, position) => ({ position, mask: 0xff }));
    const skipMask = firstBatch!.length ^ (firstBatch!.length + secondBatch!.length);
    assert.ok(skipMask < 0x100, "the lengths differ in their last byte only");
    flips.push({ position: firstBatch!.position + 7, mask: skipMask });
    for (const { position, mask } of flips) {
      await flipByte(sealed!.logPath, position, mask);
      for (const from of starts) {
        const what = `reading from offset ${from} with byte ${position} flipped by ${mask.toString(16)}`;
        try {
          const { records } = await store.read(log, 0, from, { maxRecords: 1000, maxBytes: 1 << 20 });
          assert.deepEqual(snapshot(records), f.expected.slice(from), what);
        } catch (error) {
          assert.ok(error instanceof CorruptDataError, `${what}: ${String(error)}`);
        }
      }
      await flipByte(sealed!.logPath, position, mask);
    }
    await store.close();
  });
});

describe("embedded log: retention", () => {
  it("deletes expired segments' files whole and hides the expired records of the first survivor", async () => {
    const f = await fixture();
    const segments = await segmentsIn(f.dir);
    const store = await f.open();
    // The cutoff falls inside the third segment: the first two expire whole.
    const firstKept = segments[2]!.batches[3]!.baseOffset;
    const cutoff = f.expected[firstKept]!.timestamp;
    const retentionMs = f.clock.now() - cutoff;
    await store.setRetention(log, { retentionMs, retentionBytes: null });
    await store.enforceRetention();
    assert.deepEqual((await readdir(f.dir)).sort(), fileNames(segments.slice(2)), "whole segment files deleted");
    assert.equal(store.stats(log, 0).startOffset, firstKept);
    assert.deepEqual(snapshot(await readAll(store, log, 0)), f.expected.slice(firstKept));
    const clamped = await store.read(log, 0, 0, { maxRecords: 1, maxBytes: 1 });
    assert.equal(clamped.records[0]?.offset, firstKept, "a read below the start begins at the start");
    assert.equal(await store.offsetForTimestamp(log, 0, 0), firstKept);
    await store.close();

    // Everything expires while the store is down: the next open deletes it all, the active segment included.
    f.clock.advance(retentionMs + second);
    const reopened = await f.open();
    const end = f.expected.length;
    assert.deepEqual(await segmentBases(f.dir), [end]);
    assert.deepEqual((await readdir(f.dir)).length, 2, "one empty segment: its log and index");
    assert.deepEqual(await readAll(reopened, log, 0), []);
    assert.deepEqual([reopened.stats(log, 0).startOffset, reopened.stats(log, 0).endOffset], [end, end]);
    assert.equal((await reopened.append(log, 0, [record("new")])).baseOffset, end);
    assert.deepEqual(values(await readAll(reopened, log, 0)), ["new"]);
    await reopened.close();
  });

  it("deletes the oldest whole segments once the partition outgrows retentionBytes", async () => {
    const f = await fixture();
    const segments = await segmentsIn(f.dir);
    const store = await f.open();
    const retentionBytes = segmentBytesOnDisk(segments[2]!) + segmentBytesOnDisk(segments[3]!);
    await store.setRetention(log, { retentionMs: null, retentionBytes });
    await store.enforceRetention();
    assert.deepEqual((await readdir(f.dir)).sort(), fileNames(segments.slice(2)), "whole segment files deleted");
    const firstKept = segments[2]!.baseOffset;
    assert.deepEqual(store.stats(log, 0).startOffset, firstKept);
    assert.deepEqual(store.stats(log, 0).sizeBytes, retentionBytes, "a partition exactly at the bound keeps the rest");
    assert.deepEqual(snapshot(await readAll(store, log, 0)), f.expected.slice(firstKept));
    const clamped = await store.read(log, 0, 0, { maxRecords: 1, maxBytes: 1 });
    assert.equal(clamped.records[0]?.offset, firstKept);
    await store.close();
  });
});

describe("embedded log: a crash without close", () => {
  for (const fsync of ["always", "interval", "never"] satisfies FsyncPolicy[]) {
    it(`recovers every acknowledged record from a store that was never closed (fsync ${fsync})`, async () => {
      const dataDir = await tempDir();
      const clock = new ManualClock();
      const options = { clock, segmentBytes, indexIntervalBytes, fsync };
      const store = await EmbeddedLogStore.open({ dataDir, ...options });
      await store.createLog(log, 2);
      const acknowledged: Array<{ partition: number; records: AppendRecord[]; result: AppendResult }> = [];
      for (let round = 0; round < 5; round++) {
        clock.advance(second);
        await Promise.all(
          Array.from({ length: 8 }, async (_, i) => {
            const partition = i % 2;
            const records = workloadBatch(round * 8 + i);
            acknowledged.push({ partition, records, result: await store.append(log, partition, records) });
          }),
        );
      }
      // The disk as the crash left it: copied while the store still has its files open, never flushed nor closed.
      const crashed = await tempDir();
      await cp(dataDir, crashed, { recursive: true });
      const recovered = await EmbeddedLogStore.open({ dataDir: crashed, ...options });
      for (const partition of [0, 1]) {
        const expected = acknowledged
          .filter((a) => a.partition === partition)
          .sort((a, b) => a.result.baseOffset - b.result.baseOffset)
          .flatMap(({ records, result }) => snapshot(acknowledgedRecords(records, result)));
        assert.deepEqual(snapshot(await readAll(recovered, log, partition)), expected);
        assert.equal((await recovered.append(log, partition, [record("next")])).baseOffset, expected.length);
      }
      await recovered.close();
      await store.close();
    });
  }
});

describe("embedded log: the active segment's index after a crash", () => {
  it("lags behind the log until the segment is sealed or closed, and a restart rebuilds what it lacks", async () => {
    const dataDir = await tempDir();
    const clock = new ManualClock();
    const options = { clock, segmentBytes: 1024 * 1024, indexIntervalBytes };
    const store = await EmbeddedLogStore.open({ dataDir, ...options });
    await store.createLog(log, 1);
    for (let i = 0; i < batchCount; i++) {
      clock.advance(second);
      await store.append(log, 0, workloadBatch(i));
    }
    const expected = snapshot(await readAll(store, log, 0));
    const crashed = await tempDir();
    await cp(dataDir, crashed, { recursive: true });
    await store.close();
    const [closed] = await segmentsIn(partitionDir(dataDir, log, 0));
    const [active] = await segmentsIn(partitionDir(crashed, log, 0));
    const indexAtClose = await readFile(closed!.indexPath);
    assert.ok(
      (await fileSize(active!.indexPath)) < indexAtClose.length,
      "the crash left entries out of the index file that a clean close writes",
    );
    const recovered = await EmbeddedLogStore.open({ dataDir: crashed, ...options });
    assert.deepEqual(await readFile(active!.indexPath), indexAtClose, "the restart rebuilt the index as a close writes it");
    await assertReads(recovered, expected);
    await recovered.close();
  });
});

describe("embedded log: damage the index cannot be rebuilt past", () => {
  it("still opens when the newest sealed segment is damaged, its index is lost and the active segment is empty", async () => {
    const f = await fixture();
    const segments = await segmentsIn(f.dir);
    const active = segments.at(-1)!;
    const newestSealed = segments.at(-2)!;
    // As after a crash right after a roll: an empty active segment.
    await writeFile(active.logPath, Buffer.alloc(0));
    await rm(active.indexPath, { force: true });
    const damaged = newestSealed.batches.at(-1)!;
    await flipByte(newestSealed.logPath, damaged.position + damaged.length - 2);
    await rm(newestSealed.indexPath, { force: true });
    const store = await f.open();
    const intact = f.expected.filter((r) => r.offset < damaged.baseOffset);
    assert.deepEqual(
      snapshot((await store.read(log, 0, 0, { maxRecords: intact.length, maxBytes: 1 << 20 })).records),
      intact,
    );
    await assert.rejects(store.read(log, 0, damaged.baseOffset, { maxRecords: 1, maxBytes: 1 }), CorruptDataError);
    await store.close();
  });
});

describe("embedded log: a create that did not finish", () => {
  it("removes a log whose manifest was never written, and the name can be created again", async () => {
    const f = await fixture();
    const store = await f.open();
    await store.createLog("unfinished", 3);
    await store.close();
    // A crash after the partitions were made but before log.json, which a create writes last.
    await rm(join(f.dataDir, "logs", "unfinished", "log.json"));
    const reopened = await f.open();
    assert.deepEqual(reopened.listLogs(), [log]);
    assert.ok(f.recovered.some((message) => message.includes("unfinished") && message.includes("did not finish")));
    await assert.rejects(stat(join(f.dataDir, "logs", "unfinished")), { code: "ENOENT" });
    await reopened.createLog("unfinished", 2);
    assert.equal((await reopened.append("unfinished", 1, [record("again")])).baseOffset, 0);
    await assertReads(reopened, f.expected);
    await reopened.close();
  });

  it("opens a partition whose directory was made but not its first segment as empty", async () => {
    const f = await fixture();
    const store = await f.open();
    await store.createLog("two", 2);
    await store.append("two", 0, [record("kept")]);
    await store.close();
    const second = partitionDir(f.dataDir, "two", 1);
    for (const name of await readdir(second)) await rm(join(second, name));
    const reopened = await f.open();
    assert.equal(reopened.partitionCount("two"), 2);
    assert.deepEqual(values(await readAll(reopened, "two", 0)), ["kept"]);
    assert.deepEqual(await readAll(reopened, "two", 1), []);
    assert.equal((await reopened.append("two", 1, [record("first")])).baseOffset, 0);
    assert.deepEqual(values(await readAll(reopened, "two", 1)), ["first"]);
    await reopened.close();
  });
});
