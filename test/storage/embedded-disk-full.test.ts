/** A full disk fails the append with an error and never leaves a half-written record to be served later. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { it } from "node:test";
import { logStorageDefaults } from "../../src/config/limits.js";
import { EmbeddedLogStore } from "../../src/storage/embedded/embedded-log-store.js";
import { readAll } from "../support/records.js";
import { tempDir } from "../support/temp-dir.js";

const child = fileURLToPath(new URL("../support/disk-full-child.js", import.meta.url));
const fileSizeLimitKiB = 200;

// Under fsync always each lone append is one O_DSYNC write: from the thread pool, or from the event loop when the
// store is quiet (quietStoreMs 0: always). Under never, a plain write: from the event loop, or, with enough
// companion appends to other partitions in the same turn, from the write thread (write-thread.ts).
const variants = [
  { fsync: "always", quietStoreMs: Number.POSITIVE_INFINITY, companions: 0, writer: "the thread pool" },
  { fsync: "always", quietStoreMs: 0, companions: 0, writer: "the event loop" },
  { fsync: "never", quietStoreMs: 0, companions: 0, writer: "the event loop" },
  { fsync: "never", quietStoreMs: 0, companions: logStorageDefaults.loopWriteMaxCount, writer: "the write thread" },
] as const;
for (const { fsync, quietStoreMs, companions, writer } of variants) {
  it(`fails appends cleanly when the disk is full, and keeps every acknowledged record (fsync ${fsync}, written from ${writer})`, async () => {
    const dataDir = await tempDir();
    const args = [process.execPath, child, dataDir, fsync, String(quietStoreMs), String(companions)];
    const run = spawnSync("bash", ["-c", `ulimit -f ${fileSizeLimitKiB} && exec "$0" "$1" "$2" "$3" "$4" "$5"`, ...args], {
      encoding: "utf8",
      timeout: 30_000,
    });
    assert.equal(run.status, 0, run.stderr);
    const lines = run.stdout.trim().split("\n").map((line) => JSON.parse(line) as Record<string, any>);
    const acked = lines.filter((line) => line.acked).map((line) => line.acked as { baseOffset: number; count: number });
    const failure = lines.find((line) => line.failed);
    const readBack = lines.find((line) => line.readable !== undefined);
    assert.ok(acked.length > 5, "some appends fit before the limit");
    assert.deepEqual(failure, { failed: "StorageIoError", code: "EFBIG" });
    const ackedRecords = acked.reduce((sum, a) => sum + a.count, 0);
    assert.deepEqual(readBack, { readable: ackedRecords, endOffset: ackedRecords }, "the failed append is not readable");

    const segment = join(dataDir, "logs", "full", "0", `${"0".padStart(20, "0")}.log`);
    const sizeAfterFailure = (await stat(segment)).size;
    assert.ok(sizeAfterFailure < fileSizeLimitKiB * 1024, "the partial write was cut back off the file");

    const store = await EmbeddedLogStore.open({ dataDir, fsync });
    const records = await readAll(store, "full", 0);
    assert.equal(records.length, ackedRecords);
    records.forEach((record, i) => assert.ok(record.value.equals(Buffer.alloc(1000, i % 251)), `record ${i} intact`));
    assert.equal((await store.append("full", 0, [{ key: null, value: Buffer.from("space again") }])).baseOffset, ackedRecords);
    await store.close();
  });
}
