/** The write-ahead file on its own: frames, group commit, checkpoints, and reading back what a crash left. */
import assert from "node:assert/strict";
import { readdir, readFile, truncate } from "node:fs/promises";
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
    const end = readFrames(bytes, (logId, partition, b) => seen.push(`${logId.toString("hex").slice(-2)}/${partition}@${b.readUInt32BE(20)}`));
    assert.deepEqual(end, { position: bytes.length, frames: 2, damage: null }, "one frame for the three rounds of one turn, one for the last");
    assert.deepEqual(seen, ["aa/0@0", "aa/0@1", "bb/3@0", "aa/1@0", "aa/0@2"]);

    const recovered = await RecoveredWriteAhead.read(dir, () => undefined);
    const offsets = (batches: readonly Buffer[]): number[] => batches.map((b) => b.readUInt32BE(20));
    assert.deepEqual(offsets(recovered.batchesFor(logA, 0)), [0, 1, 2]);
    assert.deepEqual(offsets(recovered.batchesFor(logB, 3)), [0]);
    assert.deepEqual(recovered.batchesFor(logB, 0), []);
    assert.equal(recovered.nextNumber, 1);
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
    assert.match(messages[0]!, /ignored the last \d+ bytes of .*00000000000000000004\.wal: torn/);
    assert.equal(recovered.nextNumber, 5, "a new file never reuses a number");
    await recovered.discard();
    assert.deepEqual(await walFiles(dir), []);
  });

  it("checkpoints once a file holds checkpointBytes: frames go to a new file, segments are synced, the old file goes", async () => {
    const dir = await tempDir();
    let syncs = 0;
    const wal = await WriteAheadLog.create(dir, 0, walOptions({ checkpointBytes: 200, syncSegments: async () => void syncs++ }));
    for (let i = 0; i < 6; i++) await wal.commit(logA, 0, [batch(i, "x".repeat(100))]);
    await wal.close(false);
    assert.ok(syncs >= 1, "segments were synced");
    const files = await walFiles(dir);
    assert.equal(files.length, 1, `only the file being written is left: ${files.join(", ")}`);
    assert.ok(Number(files[0]!.slice(0, -4)) >= 1, "frames moved on to a new file");
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

  it("refuses rounds once closed, and a clean close removes its files", async () => {
    const dir = await tempDir();
    const wal = await WriteAheadLog.create(dir, 0, walOptions());
    await wal.commit(logA, 0, [batch(0, "a")]);
    await wal.close(true);
    assert.deepEqual(await walFiles(dir), []);
    await assert.rejects(wal.commit(logA, 0, [batch(1, "b")]), { name: "StoreClosedError" });
  });
});
