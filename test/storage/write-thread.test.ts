/**
 * Plain writes on their own: a few small ones of one turn written from the event loop, more on the write thread,
 * large ones through the thread pool.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { type FileHandle, open, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, it } from "node:test";
import { logStorageDefaults } from "../../src/config/limits.js";
import { writeUnsynced } from "../../src/storage/embedded/write-thread.js";
import { tempDir } from "../support/temp-dir.js";

/** More writes in one turn than the event loop makes itself: these go to the write thread. */
const threadWrites = logStorageDefaults.loopWriteMaxCount + 1;

/** Runs `body` counting the writev calls of this process's file handles (the thread pool's writes). */
async function countingPoolWrites(body: () => Promise<void>): Promise<number> {
  const probe = await open(fileURLToPath(import.meta.url), "r");
  const prototype = Object.getPrototypeOf(probe) as { writev: (...args: unknown[]) => unknown };
  await probe.close();
  const original = prototype.writev;
  let writes = 0;
  prototype.writev = function (this: FileHandle, ...args: unknown[]): unknown {
    writes++;
    return original.apply(this, args);
  };
  try {
    await body();
  } finally {
    prototype.writev = original;
  }
  return writes;
}

describe("write thread", () => {
  for (const [writer, others] of [["the event loop", 0], ["the write thread", threadWrites]] as const) {
    it(`writes each file's pieces at their positions, many files in one turn, none through the thread pool (from ${writer})`, async () => {
      const dir = await tempDir();
      const files = await Promise.all([0, 1, 2].map((i) => open(join(dir, `f${i}`), "w+")));
      const other = await open(join(dir, "other"), "w+");
      /** Writes to another file in the same turn, enough to take the turn's writes to the thread. */
      const padding = (): Array<Promise<void>> => Array.from({ length: others }, (_, i) => writeUnsynced(other, [Buffer.from("x")], i));
      const poolWrites = await countingPoolWrites(async () => {
        await Promise.all([
          ...files.flatMap((file, i) => [
            writeUnsynced(file, [Buffer.from(`${i}a`), Buffer.from(`${i}b`)], 0),
            writeUnsynced(file, [Buffer.from(`${i}c`)], 4),
            writeUnsynced(file, [], 6),
          ]),
          ...padding(),
        ]);
        // A second turn, after the first was answered: taken the same way.
        await Promise.all([writeUnsynced(files[0]!, [Buffer.from("zz")], 2), writeUnsynced(files[1]!, [Buffer.from("yy")], 6), ...padding()]);
      });
      assert.equal(poolWrites, 0);
      for (const file of [...files, other]) await file.close();
      assert.deepEqual(
        await Promise.all([0, 1, 2].map(async (i) => (await readFile(join(dir, `f${i}`), "utf8")))),
        ["0azz0c", "1a1b1cyy", "2a2b2c"],
      );
    });
  }

  it("makes a few small writes of one turn from the event loop, and sends one of writeThreadMaxBytes or more through the thread pool", async () => {
    const dir = await tempDir();
    const lone = await open(join(dir, "lone"), "w+");
    const large = await open(join(dir, "large"), "w+");
    const largeBytes = Buffer.alloc(logStorageDefaults.writeThreadMaxBytes, 7);
    const alone = writeUnsynced(lone, [Buffer.from("alone")], 0);
    await Promise.resolve();
    assert.equal(readFileSync(join(dir, "lone"), "utf8"), "alone", "written in this turn, from the event loop");
    await alone;
    const poolWrites = await countingPoolWrites(async () => {
      await Promise.all([writeUnsynced(large, [largeBytes.subarray(0, 10), largeBytes.subarray(10)], 0), writeUnsynced(lone, [Buffer.from("!")], 5)]);
    });
    assert.equal(poolWrites, 1, "the large write");
    await lone.close();
    await large.close();
    assert.equal(await readFile(join(dir, "lone"), "utf8"), "alone!");
    assert.ok((await readFile(join(dir, "large"))).equals(largeBytes));
  });

  for (const [writer, others] of [["the event loop", 0], ["the write thread", threadWrites]] as const) {
    it(`fails a write with the system's error, and only that write (from ${writer})`, async () => {
      const dir = await tempDir();
      const good = await open(join(dir, "good"), "w+");
      const other = await open(join(dir, "other"), "w+");
      const readOnly = await open(fileURLToPath(import.meta.url), "r");
      const outcomes = await Promise.allSettled([
        writeUnsynced(good, [Buffer.from("before")], 0),
        writeUnsynced(readOnly, [Buffer.from("refused")], 0),
        writeUnsynced(good, [Buffer.from("after")], 6),
        ...Array.from({ length: others }, (_, i) => writeUnsynced(other, [Buffer.from("x")], i)),
      ]);
      assert.deepEqual(outcomes.slice(0, 3).map((outcome) => outcome.status), ["fulfilled", "rejected", "fulfilled"]);
      const error = (outcomes[1] as PromiseRejectedResult).reason as NodeJS.ErrnoException;
      assert.equal(error.code, "EBADF");
      assert.equal(error.syscall, "write");
      for (const file of [good, other, readOnly]) await file.close();
      assert.equal(await readFile(join(dir, "good"), "utf8"), "beforeafter");
      assert.equal(await readFile(join(dir, "other"), "utf8"), "x".repeat(others));
    });
  }

  it("does not keep a process alive once its writes are done, nor take the process's Node flags", async () => {
    const dir = await tempDir();
    const module = new URL("../../src/storage/embedded/write-thread.js", import.meta.url).href;
    const script = `
      import { open } from "node:fs/promises";
      const { writeUnsynced } = await import(${JSON.stringify(module)});
      const file = await open(${JSON.stringify(join(dir, "child"))}, "w");
      // Enough writes in one turn that they go to the thread.
      await Promise.all(Array.from({ length: ${threadWrites} }, (_, i) => writeUnsynced(file, [Buffer.from("w")], i)));
      await file.close();
    `;
    // --input-type is a flag a worker refuses: the thread must not inherit it.
    const run = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8", timeout: 20_000 });
    assert.equal(run.signal, null, "exited on its own rather than being killed at the timeout");
    assert.equal(run.status, 0, run.stderr);
    assert.equal(await readFile(join(dir, "child"), "utf8"), "w".repeat(threadWrites));
  });
});
