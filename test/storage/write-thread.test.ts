/** The write thread on its own: small plain writes of one turn, written off the thread pool; large or lone ones through it. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { type FileHandle, open, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, it } from "node:test";
import { logStorageDefaults } from "../../src/config/limits.js";
import { writeOffThread } from "../../src/storage/embedded/write-thread.js";
import { tempDir } from "../support/temp-dir.js";

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
  it("writes each file's pieces at their positions, many files in one turn, none through the thread pool", async () => {
    const dir = await tempDir();
    const files = await Promise.all([0, 1, 2].map((i) => open(join(dir, `f${i}`), "w+")));
    const poolWrites = await countingPoolWrites(async () => {
      await Promise.all(
        files.flatMap((file, i) => [
          writeOffThread(file, [Buffer.from(`${i}a`), Buffer.from(`${i}b`)], 0),
          writeOffThread(file, [Buffer.from(`${i}c`)], 4),
          writeOffThread(file, [], 6),
        ]),
      );
      // A second turn, after the first was answered: the thread takes the next message the same way.
      await Promise.all([writeOffThread(files[0]!, [Buffer.from("zz")], 2), writeOffThread(files[1]!, [Buffer.from("yy")], 6)]);
    });
    assert.equal(poolWrites, 0);
    for (const file of files) await file.close();
    assert.deepEqual(
      await Promise.all([0, 1, 2].map(async (i) => (await readFile(join(dir, `f${i}`), "utf8")))),
      ["0azz0c", "1a1b1cyy", "2a2b2c"],
    );
  });

  it("sends a lone write, and a write of writeThreadMaxBytes or more, through the thread pool", async () => {
    const dir = await tempDir();
    const lone = await open(join(dir, "lone"), "w+");
    const large = await open(join(dir, "large"), "w+");
    const largeBytes = Buffer.alloc(logStorageDefaults.writeThreadMaxBytes, 7);
    assert.equal(await countingPoolWrites(() => writeOffThread(lone, [Buffer.from("alone")], 0)), 1);
    const poolWrites = await countingPoolWrites(async () => {
      await Promise.all([writeOffThread(large, [largeBytes.subarray(0, 10), largeBytes.subarray(10)], 0), writeOffThread(lone, [Buffer.from("!")], 5)]);
    });
    assert.equal(poolWrites, 2, "the large write, and the small one left alone in its message");
    await lone.close();
    await large.close();
    assert.equal(await readFile(join(dir, "lone"), "utf8"), "alone!");
    assert.ok((await readFile(join(dir, "large"))).equals(largeBytes));
  });

  it("fails a write with the system's error, and only that write", async () => {
    const dir = await tempDir();
    const good = await open(join(dir, "good"), "w+");
    const readOnly = await open(fileURLToPath(import.meta.url), "r");
    const outcomes = await Promise.allSettled([
      writeOffThread(good, [Buffer.from("before")], 0),
      writeOffThread(readOnly, [Buffer.from("refused")], 0),
      writeOffThread(good, [Buffer.from("after")], 6),
    ]);
    assert.deepEqual(outcomes.map((outcome) => outcome.status), ["fulfilled", "rejected", "fulfilled"]);
    const error = (outcomes[1] as PromiseRejectedResult).reason as NodeJS.ErrnoException;
    assert.equal(error.code, "EBADF");
    assert.equal(error.syscall, "write");
    await good.close();
    await readOnly.close();
    assert.equal(await readFile(join(dir, "good"), "utf8"), "beforeafter");
  });

  it("does not keep a process alive once its writes are done, nor take the process's Node flags", async () => {
    const dir = await tempDir();
    const module = new URL("../../src/storage/embedded/write-thread.js", import.meta.url).href;
    const script = `
      import { open } from "node:fs/promises";
      const { writeOffThread } = await import(${JSON.stringify(module)});
      const file = await open(${JSON.stringify(join(dir, "child"))}, "w");
      // Two writes in one turn, so that they go to the thread (a lone one would go to the pool).
      await Promise.all([writeOffThread(file, [Buffer.from("written")], 0), writeOffThread(file, [Buffer.from(" twice")], 7)]);
      await file.close();
    `;
    // --input-type is a flag a worker refuses: the thread must not inherit it.
    const run = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8", timeout: 20_000 });
    assert.equal(run.signal, null, "exited on its own rather than being killed at the timeout");
    assert.equal(run.status, 0, run.stderr);
    assert.equal(await readFile(join(dir, "child"), "utf8"), "written twice");
  });
});
