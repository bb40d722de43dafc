/**
 * Restarts after a crash under fsync `always`, where acknowledged rounds may be only in the write-ahead file: the
 * segments' unsynced tails are cut the way a power loss drops the page cache, then the store is opened again.
 *
 * A round alone in flight in the store is synced in its own segment rather than written ahead, so these tests append
 * to partition 0 and partition 1 (the one they look at) at once: partition 0's round is the lone one and is synced,
 * partition 1's goes through the write-ahead file.
 */
import assert from "node:assert/strict";
import { cp, readdir, readFile, rm, stat, truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { logStorageDefaults } from "../../src/config/limits.js";
import { encodeBatch, readBatchHeader } from "../../src/storage/embedded/batch.js";
import { EmbeddedLogStore, type EmbeddedLogStoreOptions } from "../../src/storage/embedded/embedded-log-store.js";
import { readFrames, RecoveredWriteAhead } from "../../src/storage/embedded/write-ahead-log.js";
import { CorruptDataError } from "../../src/storage/errors.js";
import type { AppendRecord } from "../../src/storage/log-store.js";
import { acknowledgedRecords, readAll, type RecordSnapshot, snapshot } from "../support/records.js";
import { batchesIn, partitionDir, segmentBases, segmentLogPath } from "../support/segment-files.js";
import { tempDir } from "../support/temp-dir.js";

const log = "s";

function records(round: number, count: number): AppendRecord[] {
  return Array.from({ length: count }, (_, i) => ({ key: Buffer.from(`k${round}-${i}`), value: Buffer.alloc(60 + i, round) }));
}

/**
 * Appends `rounds` rounds of three records to each of `partitions` partitions, all partitions at once: partition 0's
 * round of each step is synced in its segment, the others' go through the write-ahead file.
 */
async function appendRounds(store: EmbeddedLogStore, partitions: number, rounds: number): Promise<RecordSnapshot[][]> {
  const written: RecordSnapshot[][] = Array.from({ length: partitions }, () => []);
  for (let round = 0; round < rounds; round++) {
    await Promise.all(
      written.map(async (acknowledged, partition) => {
        const batch = records(round * partitions + partition, 3);
        acknowledged.push(...snapshot(acknowledgedRecords(batch, await store.append(log, partition, batch))));
      }),
    );
  }
  return written;
}

/** The data directory as a crash would leave it: copied while the store has its files open. */
async function crashedCopy(dataDir: string): Promise<string> {
  const copy = await tempDir();
  await cp(dataDir, copy, { recursive: true });
  return copy;
}

async function activeSegmentLog(dataDir: string, partition: number): Promise<string> {
  const dir = partitionDir(dataDir, log, partition);
  return segmentLogPath(dir, (await segmentBases(dir)).at(-1)!);
}

interface UnsyncedTail {
  readonly path: string;
  /** Where the batches start that only the write-ahead file made durable: a power loss may take any of them. */
  readonly position: number;
  readonly size: number;
}

/**
 * The part of a partition's active segment that a power loss could take: the batches after the last round that was
 * synced in the segment (which synced everything before it too), i.e. the trailing run the write-ahead file holds.
 */
async function unsyncedTail(dataDir: string, partition: number): Promise<UnsyncedTail> {
  const { id } = JSON.parse(await readFile(join(dataDir, "logs", log, "log.json"), "utf8")) as { id: string };
  const writtenAhead = await RecoveredWriteAhead.read(join(dataDir, "write-ahead"), () => undefined);
  const offsets = new Set(writtenAhead.batchesFor(Buffer.from(id, "hex"), partition).map((batch) => readBatchHeader(batch, 0)!.baseOffset));
  const path = await activeSegmentLog(dataDir, partition);
  const batches = await batchesIn(path);
  let first = batches.length;
  while (first > 0 && offsets.has(batches[first - 1]!.baseOffset)) first--;
  const size = (await stat(path)).size;
  return { path, position: batches[first]?.position ?? size, size };
}

async function openRecording(dataDir: string, options: Partial<EmbeddedLogStoreOptions> = {}) {
  const messages: string[] = [];
  const store = await EmbeddedLogStore.open({ dataDir, onRecovery: (message) => messages.push(message), ...options });
  return { store, messages };
}

describe("embedded log: the write-ahead file after a crash", () => {
  for (const [what, cut] of [
    ["whole", (tail: UnsyncedTail) => tail.position],
    ["from the middle of a batch", (tail: UnsyncedTail) => tail.position + Math.floor((tail.size - tail.position) / 2) + 1],
  ] as const) {
    it(`puts back acknowledged records whose segment lost its unsynced tail (cut ${what})`, async () => {
      const dataDir = await tempDir();
      const options = { segmentBytes: 2000 };
      const store = await EmbeddedLogStore.open({ dataDir, ...options });
      await store.createLog(log, 3);
      const written = await appendRounds(store, 3, 12);
      const crashed = await crashedCopy(dataDir);
      let cuts = 0;
      for (const partition of [1, 2]) {
        const tail = await unsyncedTail(crashed, partition);
        if (tail.position === tail.size) continue;
        await truncate(tail.path, cut(tail));
        cuts++;
      }
      // A round that had to roll its segment first may have found itself alone, and was synced in the new segment.
      assert.ok(cuts > 0, "a partition's active segment ends in rounds only the write-ahead file made durable");

      const { store: recovered, messages } = await openRecording(crashed, options);
      for (const partition of [0, 1, 2]) {
        assert.deepEqual(snapshot(await readAll(recovered, log, partition)), written[partition], `partition ${partition}`);
      }
      assert.equal(messages.filter((message) => message.startsWith("put back offsets")).length, cuts, messages.join("\n"));
      assert.deepEqual(await readdir(join(crashed, "write-ahead")), [`${"1".padStart(20, "0")}.wal`], "the replayed file is gone");
      const next = await recovered.append(log, 1, records(99, 1));
      assert.equal(next.baseOffset, written[1]!.length);
      await recovered.close();
      const reopened = await EmbeddedLogStore.open({ dataDir: crashed, ...options });
      assert.equal((await readAll(reopened, log, 1)).length, written[1]!.length + 1);
      await reopened.close();
      await store.close();
    });
  }

  it("never puts records of a deleted log into the log created again under its name", async () => {
    const dataDir = await tempDir();
    const store = await EmbeddedLogStore.open({ dataDir });
    await store.createLog(log, 2);
    await appendRounds(store, 2, 5);
    await store.deleteLog(log);
    await store.createLog(log, 2);
    const written = await appendRounds(store, 2, 2);
    const crashed = await crashedCopy(dataDir);
    await truncate(await activeSegmentLog(crashed, 1), 0);

    const recovered = await EmbeddedLogStore.open({ dataDir: crashed });
    assert.deepEqual(snapshot(await readAll(recovered, log, 1)), written[1]);
    await recovered.close();
    await store.close();
  });

  for (const segmentKeptIt of [true, false]) {
    it(`ignores a frame the crash tore, and ${segmentKeptIt ? "keeps" : "does not miss"} its round ${segmentKeptIt ? "where the segment has it" : "where the segment lost it too"}`, async () => {
      const dataDir = await tempDir();
      const store = await EmbeddedLogStore.open({ dataDir });
      await store.createLog(log, 2);
      const written = await appendRounds(store, 2, 4);
      const crashed = await crashedCopy(dataDir);
      const walPath = join(crashed, "write-ahead", await onlyFile(crashed));
      await truncate(walPath, (await readFile(walPath)).length - 5);
      const segmentPath = await activeSegmentLog(crashed, 1);
      const lastBatch = (await batchesIn(segmentPath)).at(-1)!;
      if (!segmentKeptIt) await truncate(segmentPath, lastBatch.position);

      const { store: recovered, messages } = await openRecording(crashed);
      // The last round was written to the segment before its frame, and never acknowledged: a client that sent it
      // got no answer, and may find it stored, as with any write cut off by a crash.
      assert.deepEqual(snapshot(await readAll(recovered, log, 1)), segmentKeptIt ? written[1] : written[1]!.slice(0, 9));
      assert.ok(messages.some((message) => /ignored the last \d+ bytes of .*\.wal/.test(message)), messages.join("\n"));
      assert.ok(!messages.some((message) => message.startsWith("put back")), "the segment lacked nothing the file had");
      await recovered.close();
      await store.close();
    });
  }

  it("puts back the rounds after a large round that was synced in its segment, which the file does not hold", async () => {
    const dataDir = await tempDir();
    const store = await EmbeddedLogStore.open({ dataDir });
    await store.createLog(log, 2);
    const written: RecordSnapshot[] = [];
    for (const [round, batch] of [
      [0, records(0, 3)],
      [1, [{ key: null, value: Buffer.alloc(logStorageDefaults.writeAheadRoundMaxBytes, 1) }]],
      [2, records(2, 3)],
      [3, records(3, 2)],
    ] as const) {
      const [, result] = await Promise.all([store.append(log, 0, records(90 + round, 1)), store.append(log, 1, batch)]);
      written.push(...snapshot(acknowledgedRecords(batch, result)));
      assert.equal(written.at(-1)!.offset, [2, 3, 6, 8][round]);
    }
    const crashed = await crashedCopy(dataDir);
    const segmentPath = await activeSegmentLog(crashed, 1);
    await truncate(segmentPath, (await batchesIn(segmentPath))[2]!.position);

    const { store: recovered, messages } = await openRecording(crashed);
    assert.deepEqual(snapshot(await readAll(recovered, log, 1)), written);
    assert.deepEqual(messages.filter((message) => message.startsWith("put back")), [`put back offsets 4 to 8 of ${segmentPath} from the write-ahead file`]);
    await recovered.close();
    await store.close();
  });

  it("rewrites the segment from the first batch that is not the one the write-ahead file holds", async () => {
    const dataDir = await tempDir();
    const store = await EmbeddedLogStore.open({ dataDir });
    await store.createLog(log, 2);
    const written = await appendRounds(store, 2, 3);
    const crashed = await crashedCopy(dataDir);
    // A round that failed after its segment write and whose cut-back the crash lost: same place, other records.
    const segmentPath = await activeSegmentLog(crashed, 1);
    const second = (await batchesIn(segmentPath))[1]!;
    const other = encodeBatch(records(7, 3), second.baseOffset, second.timestamp);
    assert.equal(other.length, second.length);
    const bytes = await readFile(segmentPath);
    other.copy(bytes, second.position);
    await writeFile(segmentPath, bytes);

    const { store: recovered, messages } = await openRecording(crashed);
    assert.deepEqual(snapshot(await readAll(recovered, log, 1)), written[1]);
    assert.deepEqual(messages.filter((message) => message.startsWith("put back")), [`put back offsets 3 to 8 of ${segmentPath} from the write-ahead file`]);
    await recovered.close();
    await store.close();
  });

  it("refuses to open when a segment lost records that the write-ahead file no longer holds", async () => {
    const dataDir = await tempDir();
    const options = { writeAheadCheckpointBytes: 1000 };
    const store = await EmbeddedLogStore.open({ dataDir, ...options });
    await store.createLog(log, 2);
    await appendRounds(store, 2, 20);
    // Checkpoints run in the background: wait until they have retired every file but the one being written, and
    // that one holds a round of its own (the segment's records before it are synced, so only the file's records
    // remain). A reused file is never empty: what counts is its own frames.
    const walDir = join(dataDir, "write-ahead");
    for (let tries = 0; ; tries++) {
      assert.ok(tries < 500, "checkpoints retired the older write-ahead files");
      const files = (await readdir(walDir)).filter((name) => name.endsWith(".wal"));
      if (files.length === 1 && readFrames(await readFile(join(walDir, files[0]!)), Number(files[0]!.slice(0, -4)), () => undefined).frames > 0) break;
      if (files.length === 1) await appendRounds(store, 2, 1);
      else await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const crashed = await crashedCopy(dataDir);
    await truncate(await activeSegmentLog(crashed, 1), 0);

    await assert.rejects(EmbeddedLogStore.open({ dataDir: crashed, ...options }), (error: unknown) => {
      assert.ok(error instanceof CorruptDataError);
      assert.match(error.message, /ends at offset 0, and the write-ahead file only continues it from offset [1-9]/);
      return true;
    });
    await store.close();
  });

  it("after a crash, a store started without the write-ahead file replays it and deletes the spare too", async () => {
    const dataDir = await tempDir();
    const options = { writeAheadCheckpointBytes: 1000 };
    const store = await EmbeddedLogStore.open({ dataDir, ...options });
    await store.createLog(log, 2);
    const written = await appendRounds(store, 2, 20);
    const walDir = join(dataDir, "write-ahead");
    for (let tries = 0; !(await readdir(walDir)).includes("spare"); tries++) {
      assert.ok(tries < 500, "a checkpoint kept a spare");
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const crashed = await crashedCopy(dataDir);

    const recovered = await EmbeddedLogStore.open({ dataDir: crashed, fsync: "never" });
    for (const partition of [0, 1]) assert.deepEqual(snapshot(await readAll(recovered, log, partition)), written[partition]);
    assert.deepEqual(await readdir(join(crashed, "write-ahead")), []);
    await recovered.close();
    await store.close();
  });

  it("gives a log from before the write-ahead file an id at open, and keeps its records", async () => {
    const dataDir = await tempDir();
    let store = await EmbeddedLogStore.open({ dataDir });
    await store.createLog(log, 2);
    const written = await appendRounds(store, 2, 3);
    await store.close();
    const manifestPath = join(dataDir, "logs", log, "log.json");
    const { id, ...older } = JSON.parse(await readFile(manifestPath, "utf8")) as { id: string };
    assert.match(id, /^[0-9a-f]{16}$/);
    await writeFile(manifestPath, JSON.stringify(older));
    await rm(join(dataDir, "write-ahead"), { recursive: true });

    store = await EmbeddedLogStore.open({ dataDir });
    const given = (JSON.parse(await readFile(manifestPath, "utf8")) as { id?: string }).id;
    assert.match(given ?? "", /^[0-9a-f]{16}$/);
    assert.notEqual(given, id);
    for (const partition of [0, 1]) assert.deepEqual(snapshot(await readAll(store, log, partition)), written[partition]);
    const syncedBytes = (await readFile(await activeSegmentLog(dataDir, 1))).length;
    await Promise.all([store.append(log, 0, records(49, 1)), store.append(log, 1, records(50, 2))]);
    const crashed = await crashedCopy(dataDir);
    await truncate(await activeSegmentLog(crashed, 1), syncedBytes);
    const recovered = await EmbeddedLogStore.open({ dataDir: crashed });
    assert.equal((await readAll(recovered, log, 1)).length, written[1]!.length + 2, "its new rounds are written ahead under the new id");
    await recovered.close();
    await store.close();
  });
});

async function onlyFile(dataDir: string): Promise<string> {
  const files = await readdir(join(dataDir, "write-ahead"));
  assert.equal(files.length, 1, files.join(", "));
  return files[0]!;
}
