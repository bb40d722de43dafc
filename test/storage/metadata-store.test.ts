import assert from "node:assert/strict";
import { appendFile, readFile, stat, truncate } from "node:fs/promises";
import { join } from "node:path";
import { it } from "node:test";
import { metadataJournalCompactBytes } from "../../src/config/limits.js";
import { MetadataJournal } from "../../src/storage/embedded/metadata-journal.js";
import { MemoryMetadataStore } from "../../src/storage/memory/memory-metadata-store.js";
import { tempDir } from "../support/temp-dir.js";
import { metadataStoreCases } from "./metadata-store.cases.js";

metadataStoreCases("memory", async () => ({ store: new MemoryMetadataStore() }));

metadataStoreCases("journal", async () => {
  const dataDir = await tempDir();
  const store = await MetadataJournal.open(dataDir);
  return {
    store,
    reopen: async () => {
      await store.close();
      return MetadataJournal.open(dataDir);
    },
  };
});

it("journal: an unfinished commit at the end is cut, everything before it kept", async () => {
  const dataDir = await tempDir();
  const journalPath = join(dataDir, "metadata", "journal");
  const store = await MetadataJournal.open(dataDir);
  await store.commit([{ op: "put", namespace: "n", key: "first", value: 1 }]);
  await store.commit([{ op: "put", namespace: "n", key: "second", value: 2 }]);
  await store.close();
  const whole = (await stat(journalPath)).size;
  await truncate(journalPath, whole - 3);
  const recovered: string[] = [];
  const torn = await MetadataJournal.open(dataDir, (message) => recovered.push(message));
  assert.deepEqual(torn.list("n"), [["first", 1]]);
  assert.equal(recovered.length, 1);
  await torn.commit([{ op: "put", namespace: "n", key: "third", value: 3 }]);
  await torn.close();
  await appendFile(journalPath, Buffer.from([0, 0, 0, 9, 1, 2, 3, 4, 5]));
  const garbled = await MetadataJournal.open(dataDir);
  assert.deepEqual(garbled.list("n").map(([key]) => key), ["first", "third"]);
  await garbled.close();
});

it("journal: rewrites itself when it outgrows its live data, keeping every key", async () => {
  const dataDir = await tempDir();
  const journalPath = join(dataDir, "metadata", "journal");
  const store = await MetadataJournal.open(dataDir);
  const big = "x".repeat(10_000);
  const commits = Math.ceil((metadataJournalCompactBytes * 3) / big.length);
  for (let i = 0; i < commits; i++) await store.commit([{ op: "put", namespace: "n", key: `k${i % 5}`, value: big + i }]);
  const size = (await stat(journalPath)).size;
  assert.ok(size < metadataJournalCompactBytes * 2, `journal was rewritten (${size} bytes)`);
  await store.close();
  const reopened = await MetadataJournal.open(dataDir);
  assert.equal(reopened.list("n").length, 5);
  assert.equal(reopened.get("n", `k${(commits - 1) % 5}`), big + (commits - 1));
  assert.ok((await readFile(journalPath)).length === size);
  await reopened.close();
});

it("journal: concurrent commits are all kept, in the order they were made, across a reopen", async () => {
  const dataDir = await tempDir();
  const store = await MetadataJournal.open(dataDir);
  await Promise.all(
    Array.from({ length: 50 }, (_, i) =>
      store.commit([
        { op: "put", namespace: "n", key: `k${i % 7}`, value: i },
        { op: "put", namespace: "order", key: "last", value: i },
      ]),
    ),
  );
  const expected = Array.from({ length: 7 }, (_, k) => [`k${k}`, 49 - ((49 - k) % 7)]);
  assert.deepEqual(store.list("n"), expected);
  assert.equal(store.get("order", "last"), 49);
  await store.close();
  const reopened = await MetadataJournal.open(dataDir);
  assert.deepEqual(reopened.list("n"), expected);
  assert.equal(reopened.get("order", "last"), 49);
  await reopened.close();
});
