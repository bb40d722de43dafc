/** The write-ahead file on its own: frames, group commit, checkpoints, and reading back what a crash left. */
import assert from "node:assert/strict";
import { crc32c } from "@node-rs/crc32";
import { readdir, readFile, rm, truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { encodeBatch } from "../../src/storage/embedded/batch.js";
import { readFrames, RecoveredWriteAhead, WriteAheadLog } from "../../src/storage/embedded/write-ahead-log.js";
import { tempDir } from "../support/temp-dir.js";

const logA = Buffer.from("00000000000000aa", "hex");
const logB = Buffer.from("00000000000000bb", "hex");

function batch(baseOffset: number, value: string): Buffer {
  return encodeBatch([{ key: null, value: Buffer.from(value) }], baseOffset, 1_700_000_000_000);
}

async function walFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((name) => name.endsWith(".wal")).sort();
}

function walOptions(overrides: Partial<Parameters<typeof WriteAheadLog.create>[2]> = {}): Parameters<typeof WriteAheadLog.create>[2] {
  return { checkpointBytes: 1 << 30, quietMs: 1, syncSegments: async () => undefined, onProblem: () => undefined, ...overrides };
}

describe("write-ahead file", () => {
  it("puts every round handed over in one turn into one frame, and reads them back per partition in order", async () => {
    const dir = await tempDir();
    const wal = await WriteAheadLog.create(dir, 0, walOptions());
    await Promise.all([
      wal.commit(logA, 0, [batch(0, "a0"), batch(1, "a1")]),
      wal.commit(logB, 3, [batch(0, "b0")]),
      wal.commit(logA, 1, [batch(0, "a1-0")]),
    ]);
    await wal.commit(logA, 0, [batch(2, "a2")]);
    await wal.close(false);

    const [file] = await walFiles(dir);
    const bytes = await readFile(join(dir, file!));
    const seen: string[] = [];
    const end = readFrames(bytes, 0, (logId, partition, b) => seen.push(`${logId.toString("hex").slice(-2)}/${partition}@${b.readUInt32BE(20)}`));
    assert.deepEqual(end, { position: bytes.length, frames: 2, damage: null }, "one frame for the three rounds of one turn, one for the last");
    assert.deepEqual(seen, ["aa/0@0", "aa/0@1", "bb/3@0", "aa/1@0", "aa/0@2"]);

    const recovered = await RecoveredWriteAhead.read(dir, () => undefined);
    const offsets = (batches: readonly Buffer[]): number[] => batches.map((b) => b.readUInt32BE(20));
    assert.deepEqual(offsets(recovered.batchesFor(logA, 0)), [0, 1, 2]);
    assert.deepEqual(offsets(recovered.batchesFor(logB, 3)), [0]);
    assert.deepEqual(recovered.batchesFor(logB, 0), []);
    assert.equal(recovered.nextNumber, 1);
  });

  it("counts a round as sharing a frame while any other is queued or in flight: idle and quiet only with none", async () => {
    const dir = await tempDir();
    const wal = await WriteAheadLog.create(dir, 0, walOptions({ quietMs: 0 }));
    assert.equal(wal.idle && wal.quiet, true, "a new file, nothing queued");
    // A PutRecords on two shards: both partitions queue their rounds in one turn, then the first takes its own.
    wal.roundQueued();
    wal.roundQueued();
    wal.roundTaken();
    assert.equal(wal.idle || wal.quiet, false, "the other shard's round is queued: the first has a frame to share");
    wal.roundStarted();
    wal.roundTaken();
    assert.equal(wal.idle, false, "the first is in flight when the second decides");
    wal.roundStarted();
    wal.roundEnded();
    wal.roundEnded();
    assert.equal(wal.idle && wal.quiet, true, "both ended");
    wal.roundQueued();
    wal.roundTaken();
    assert.equal(wal.idle && wal.quiet, true, "a lone round, taken: nothing else to share with");
    await wal.close(true);
  });

  it("ignores a torn last frame and anything after it, and says so", async () => {
    const dir = await tempDir();
    const wal = await WriteAheadLog.create(dir, 4, walOptions());
    await wal.commit(logA, 0, [batch(0, "kept")]);
    await wal.commit(logA, 0, [batch(1, "torn")]);
    await wal.close(false);
    const path = join(dir, (await walFiles(dir))[0]!);
    const whole = (await readFile(path)).length;
    await truncate(path, whole - 3);

    const messages: string[] = [];
    const recovered = await RecoveredWriteAhead.read(dir, (message) => messages.push(message));
    assert.deepEqual(
      recovered.batchesFor(logA, 0).map((b) => b.readUInt32BE(20)),
      [0],
    );
    assert.equal(messages.length, 1);
    assert.match(messages[0]!, /ignored the last \d+ bytes of .*00000000000000000004\.wal .*: torn/);
    assert.equal(recovered.nextNumber, 5, "a new file never reuses a number");
    await recovered.discard(false);
    assert.deepEqual(await walFiles(dir), []);
  });

  it("checkpoints once a file holds checkpointBytes: frames go to a new file, segments are synced, the old file is kept as the spare", async () => {
    const dir = await tempDir();
    let syncs = 0;
    const wal = await WriteAheadLog.create(dir, 0, walOptions({ checkpointBytes: 200, syncSegments: async () => void syncs++ }));
    for (let i = 0; i < 6; i++) await wal.commit(logA, 0, [batch(i, "x".repeat(100))]);
    await wal.close(false);
    assert.ok(syncs >= 1, "segments were synced");
    const files = await walFiles(dir);
    assert.equal(files.length, 1, `only the file being written is left: ${files.join(", ")}`);
    assert.ok(Number(files[0]!.slice(0, -4)) >= 1, "frames moved on to a new file");
    assert.ok((await readdir(dir)).includes("spare"), "a checkpointed file is kept to be written over");
    const recovered = await RecoveredWriteAhead.read(dir, () => undefined);
    await recovered.discard(true);
    assert.deepEqual(await readdir(dir), [], "a store that writes no write-ahead file deletes the spare too");
  });

  it("writes over the spare as the next file, and never takes what is left of its earlier use for a frame", async () => {
    const dir = await tempDir();
    // Two frames of one same-sized batch fill a file: the frames a reused file holds at any moment sit exactly where
    // frames of its earlier use began, with the same sequence numbers.
    const wal = await WriteAheadLog.create(dir, 0, walOptions({ checkpointBytes: 300 }));
    const sameSize = (offset: number): Buffer => batch(offset, "x".repeat(100));
    await wal.commit(logA, 0, [sameSize(0)]);
    await wal.commit(logA, 0, [sameSize(1)]);
    // File 0 is full: frames go to file 1 while file 0 is checkpointed into the spare.
    for (let tries = 0; !(await readdir(dir)).includes("spare"); tries++) {
      assert.ok(tries < 1000, "the checkpoint of file 0 kept it as the spare");
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const spareBytes = await readFile(join(dir, "spare"));
    await wal.commit(logA, 0, [sameSize(2)]);
    await wal.commit(logA, 0, [sameSize(3)]);
    // File 1 is full: frames go to file 2, which is file 0 renamed and written over from its start.
    await wal.commit(logA, 0, [sameSize(4)]);
    await wal.close(false);

    assert.deepEqual(await walFiles(dir), [`${"2".padStart(20, "0")}.wal`]);
    const reused = await readFile(join(dir, (await walFiles(dir))[0]!));
    assert.equal(reused.length, spareBytes.length, "the file was written over, not made anew");
    const frameBytes = spareBytes.length / 2;
    assert.deepEqual(reused.subarray(frameBytes), spareBytes.subarray(frameBytes), "file 0's second frame is still there");

    const messages: string[] = [];
    const recovered = await RecoveredWriteAhead.read(dir, (message) => messages.push(message));
    assert.deepEqual(
      recovered.batchesFor(logA, 0).map((b) => b.readUInt32BE(20)),
      [4],
      "only the frame written to file 2, not file 0's frame after it",
    );
    assert.equal(messages.length, 1);
    assert.match(messages[0]!, /ignored the last \d+ bytes of .*00000000000000000002\.wal .*: frame written to file 0, an earlier use of this one/);
  });

  it("numbers the next file above the spare's frames, even with no other file left", async () => {
    const dir = await tempDir();
    const wal = await WriteAheadLog.create(dir, 0, walOptions({ checkpointBytes: 200 }));
    for (let i = 0; i < 3; i++) await wal.commit(logA, 0, [batch(i, "x".repeat(100))]);
    await wal.close(false);
    assert.ok((await readdir(dir)).includes("spare"), "file 0 is the spare");
    // A store that ran without the write-ahead file since replayed and deleted file 1, and kept the spare.
    for (const name of await walFiles(dir)) await rm(join(dir, name));

    const recovered = await RecoveredWriteAhead.read(dir, () => undefined);
    assert.equal(recovered.nextNumber, 1, "not 0: the spare's frames name file 0");
    await recovered.discard(false);
    const next = await WriteAheadLog.create(dir, recovered.nextNumber, walOptions());
    await next.commit(logA, 0, [batch(9, "x".repeat(100))]);
    await next.close(false);
    const again = await RecoveredWriteAhead.read(dir, () => undefined);
    assert.deepEqual(
      again.batchesFor(logA, 0).map((b) => b.readUInt32BE(20)),
      [9],
    );
  });

  it("reads the frames of builds that did not reuse files (FWA1, without the file's number)", async () => {
    const dir = await tempDir();
    const frame = (sequence: number, batches: readonly Buffer[]): Buffer => {
      const header = Buffer.alloc(16 + 16);
      header.writeUInt32BE(0x46574131, 4);
      header.writeUInt32BE(sequence, 8);
      header.writeUInt32BE(1, 12);
      logA.copy(header, 16);
      header.writeUInt32BE(0, 24);
      header.writeUInt32BE(batches.reduce((sum, b) => sum + b.length, 0), 28);
      header.writeUInt32BE(crc32c(header.subarray(4)), 0);
      return Buffer.concat([header, ...batches]);
    };
    await writeFile(join(dir, `${"7".padStart(20, "0")}.wal`), Buffer.concat([frame(0, [batch(0, "a"), batch(1, "b")]), frame(1, [batch(2, "c")])]));
    const messages: string[] = [];
    const recovered = await RecoveredWriteAhead.read(dir, (message) => messages.push(message));
    assert.deepEqual(
      recovered.batchesFor(logA, 0).map((b) => b.readUInt32BE(20)),
      [0, 1, 2],
    );
    assert.deepEqual(messages, []);
    assert.equal(recovered.nextNumber, 8);
  });

  it("keeps the old files while segments fail to sync, and deletes them at the first checkpoint that succeeds", async () => {
    const dir = await tempDir();
    let failing = true;
    let synced = false;
    const problems: string[] = [];
    let reported!: () => void;
    const firstProblem = new Promise<void>((resolve) => (reported = resolve));
    const wal = await WriteAheadLog.create(
      dir,
      0,
      walOptions({
        checkpointBytes: 200,
        syncSegments: async () => {
          if (failing) throw new Error("EIO");
          synced = true;
        },
        onProblem: (message) => {
          problems.push(message);
          reported();
        },
      }),
    );
    for (let i = 0; i < 6; i++) await wal.commit(logA, 0, [batch(i, "x".repeat(100))]);
    await firstProblem;
    const whileFailing = await walFiles(dir);
    assert.ok(whileFailing.length >= 2, "the checkpointed files are kept");
    assert.ok(problems.some((message) => /checkpoint failed.*EIO/.test(message)));
    const recovered = await RecoveredWriteAhead.read(dir, () => undefined);
    assert.deepEqual(
      recovered.batchesFor(logA, 0).map((b) => b.readUInt32BE(20)),
      [0, 1, 2, 3, 4, 5],
      "every round is still there to replay",
    );

    failing = false;
    for (let i = 6; !synced && i < 100; i++) await wal.commit(logA, 0, [batch(i, "x".repeat(100))]);
    assert.ok(synced, "a later checkpoint synced the segments");
    await wal.close(false);
    assert.equal((await walFiles(dir)).length, 1);
  });

  it("refuses rounds once closed, and a clean close removes its files, the spare too", async () => {
    const dir = await tempDir();
    const wal = await WriteAheadLog.create(dir, 0, walOptions({ checkpointBytes: 200 }));
    for (let i = 0; i < 6; i++) await wal.commit(logA, 0, [batch(i, "x".repeat(100))]);
    await wal.close(true);
    assert.deepEqual(await readdir(dir), []);
    await assert.rejects(wal.commit(logA, 0, [batch(1, "b")]), { name: "StoreClosedError" });
  });
});
