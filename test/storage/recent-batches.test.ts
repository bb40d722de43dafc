/**
 * Reads at the end of a partition are answered from its newest batches in memory (recent-batches.ts): they must
 * be exactly what the same reads find on disk once the store has been reopened with nothing in memory.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";
import { logStorageDefaults } from "../../src/config/limits.js";
import { EmbeddedLogStore } from "../../src/storage/embedded/embedded-log-store.js";
import type { LogStore } from "../../src/storage/log-store.js";
import { ManualClock } from "../support/clock.js";
import { tempDir } from "../support/temp-dir.js";

const log = "recent";

/** Every read of a grid of starts and limits, each summed up in a line (a failure shows which read differs). */
async function readsEverywhere(store: LogStore, endOffset: number): Promise<string[]> {
  const results: string[] = [];
  for (let from = 0; from <= endOffset; from += 7) {
    for (const maxRecords of [1, 5, 10_000]) {
      for (const maxBytes of [1, 300, 10_000_000]) {
        const read = await store.read(log, 0, from, { maxRecords, maxBytes });
        const records = read.records.map(
          (r) => `${r.offset}@${r.timestamp}:${r.key?.toString() ?? "-"}:${createHash("sha1").update(r.value).digest("hex")}`,
        );
        results.push(`from ${from} max ${maxRecords}/${maxBytes}: next ${read.nextOffset} end ${read.endOffset} [${records.join(" ")}]`);
      }
    }
  }
  return results;
}

describe("reads at the end of the log", () => {
  it("find in memory exactly what a reopened store finds on disk", { timeout: 60_000 }, async () => {
    const dataDir = await tempDir();
    const clock = new ManualClock();
    const options = { dataDir, clock, segmentBytes: 64 * 1024, indexIntervalBytes: 512 };
    let store: LogStore = await EmbeddedLogStore.open(options);
    await store.createLog(log, 1);
    // More than the partition keeps in memory, so early reads go to disk and later ones do not; batches of one
    // and of many records, keys and none, empty values, over several segments and arrival times.
    let written = 0;
    let i = 0;
    while (written < logStorageDefaults.recentBatchBytes * 2) {
      const records = Array.from({ length: 1 + (i % 9) }, (_, j) => ({
        key: j % 3 === 0 ? null : Buffer.from(`key-${i}-${j}`),
        value: Buffer.alloc((i * 37 + j * 101) % 2_000, i + j),
      }));
      await store.append(log, 0, records);
      written += records.reduce((sum, record) => sum + (record.key?.length ?? 0) + record.value.length, 0);
      clock.advance(3);
      i++;
    }
    const endOffset = store.stats(log, 0).endOffset;
    const live = await readsEverywhere(store, endOffset);
    await store.close();
    store = await EmbeddedLogStore.open(options);
    try {
      assert.deepEqual(await readsEverywhere(store, endOffset), live);
    } finally {
      await store.close();
    }
  });
});
