/**
 * The behaviour every LogStore backend must have. Each backend's test file runs these cases against its own
 * factory, so a new backend (JetStream) proves itself by passing the same suite.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  InvalidAppendError,
  LogExistsError,
  LogNotFoundError,
  PartitionNotFoundError,
} from "../../src/storage/errors.js";
import type { LogStore } from "../../src/storage/log-store.js";
import { ManualClock } from "../support/clock.js";
import { readAll, record, values } from "../support/records.js";

export interface LogStoreHarness {
  readonly store: LogStore;
  /** Closes the store and opens it again on the same data; absent for backends that keep nothing. */
  readonly reopen?: () => Promise<LogStore>;
}

export type LogStoreFactory = (clock: ManualClock) => Promise<LogStoreHarness>;

const hour = 3_600_000;

export function logStoreCases(backend: string, factory: LogStoreFactory): void {
  describe(`LogStore cases: ${backend}`, () => {
    it("creates, lists, counts and deletes logs", async () => {
      const { store } = await factory(new ManualClock());
      await store.createLog("orders", 3);
      await store.createLog("a.b/c", 1);
      assert.deepEqual(store.listLogs().sort(), ["a.b/c", "orders"]);
      assert.equal(store.partitionCount("orders"), 3);
      await assert.rejects(store.createLog("orders", 1), LogExistsError);
      await store.deleteLog("orders");
      assert.deepEqual(store.listLogs(), ["a.b/c"]);
      await assert.rejects(store.append("orders", 0, [record("x")]), LogNotFoundError);
      await store.createLog("orders", 1);
      assert.equal(store.stats("orders", 0).endOffset, 0, "a recreated log starts empty");
      await store.close();
    });

    it("rejects unknown partitions and empty appends", async () => {
      const { store } = await factory(new ManualClock());
      await store.createLog("s", 2);
      await assert.rejects(store.append("s", 2, [record("x")]), PartitionNotFoundError);
      await assert.rejects(store.read("s", 5, 0, { maxRecords: 1, maxBytes: 1 }), PartitionNotFoundError);
      await assert.rejects(store.append("s", 0, []), InvalidAppendError);
      await store.close();
    });

    it("assigns dense offsets and reads records back byte for byte", async () => {
      const clock = new ManualClock();
      const { store } = await factory(clock);
      await store.createLog("s", 1);
      const first = await store.append("s", 0, [record("a", "k1"), record("", null)]);
      assert.deepEqual(first, { baseOffset: 0, count: 2, timestamp: clock.now() });
      const binary = Buffer.from([0, 255, 1, 254, 10, 13]);
      const second = await store.append("s", 0, [{ key: Buffer.alloc(0), value: binary }]);
      assert.equal(second.baseOffset, 2);
      // A key given as text is stored as its UTF-8 bytes.
      await store.append("s", 0, [{ key: "clé-🔑", value: Buffer.from("b") }, { key: "", value: Buffer.from("c") }]);
      const records = await readAll(store, "s", 0);
      assert.deepEqual(
        records.map((r) => [r.offset, r.key?.toString("hex") ?? null, r.value.toString("hex")]),
        [
          [0, Buffer.from("k1").toString("hex"), Buffer.from("a").toString("hex")],
          [1, null, ""],
          [2, "", binary.toString("hex")],
          [3, Buffer.from("clé-🔑", "utf8").toString("hex"), Buffer.from("b").toString("hex")],
          [4, "", Buffer.from("c").toString("hex")],
        ],
      );
      assert.deepEqual(store.stats("s", 0).endOffset, 5);
      await store.close();
    });

    it("keeps partitions independent", async () => {
      const { store } = await factory(new ManualClock());
      await store.createLog("s", 2);
      await store.append("s", 0, [record("p0-a"), record("p0-b")]);
      await store.append("s", 1, [record("p1-a")]);
      assert.deepEqual(values(await readAll(store, "s", 0)), ["p0-a", "p0-b"]);
      assert.deepEqual(values(await readAll(store, "s", 1)), ["p1-a"]);
      assert.equal((await store.append("s", 1, [record("p1-b")])).baseOffset, 1);
      await store.close();
    });

    it("bounds reads by record count and bytes, always returning at least one record", async () => {
      const { store } = await factory(new ManualClock());
      await store.createLog("s", 1);
      await store.append("s", 0, ["aaaa", "bbbb", "cccc", "dddd"].map((v) => record(v, null)));
      const byCount = await store.read("s", 0, 1, { maxRecords: 2, maxBytes: 1 << 20 });
      assert.deepEqual(values(byCount.records), ["bbbb", "cccc"]);
      assert.equal(byCount.nextOffset, 3);
      assert.equal(byCount.endOffset, 4);
      const byBytes = await store.read("s", 0, 0, { maxRecords: 100, maxBytes: 9 });
      assert.deepEqual(values(byBytes.records), ["aaaa", "bbbb"]);
      const tiny = await store.read("s", 0, 2, { maxRecords: 100, maxBytes: 1 });
      assert.deepEqual(values(tiny.records), ["cccc"], "the first record comes back whatever its size");
      const atEnd = await store.read("s", 0, 4, { maxRecords: 100, maxBytes: 100 });
      assert.deepEqual(atEnd, { records: [], nextOffset: 4, endOffset: 4 });
      await store.close();
    });

    it("stamps arrival times that never go back, and finds offsets by time", async () => {
      const clock = new ManualClock(1_000_000);
      const { store } = await factory(clock);
      await store.createLog("s", 1);
      await store.append("s", 0, [record("t0")]);
      clock.advance(1000);
      await store.append("s", 0, [record("t1a"), record("t1b")]);
      clock.advance(-500);
      const late = await store.append("s", 0, [record("clock went back")]);
      assert.equal(late.timestamp, 1_001_000, "arrival time holds when the clock steps back");
      clock.advance(2000);
      await store.append("s", 0, [record("t3")]);
      const records = await readAll(store, "s", 0);
      assert.deepEqual(
        records.map((r) => r.timestamp),
        [1_000_000, 1_001_000, 1_001_000, 1_001_000, 1_002_500],
      );
      assert.equal(await store.offsetForTimestamp("s", 0, 0), 0);
      assert.equal(await store.offsetForTimestamp("s", 0, 1_000_000), 0);
      assert.equal(await store.offsetForTimestamp("s", 0, 1_000_001), 1);
      assert.equal(await store.offsetForTimestamp("s", 0, 1_001_000), 1);
      assert.equal(await store.offsetForTimestamp("s", 0, 1_002_000), 4);
      assert.equal(await store.offsetForTimestamp("s", 0, 9_999_999), 5, "past the last record: the end offset");
      await store.close();
    });

    it("trims: records below the new start are gone and reads start there", async () => {
      const { store } = await factory(new ManualClock());
      await store.createLog("s", 1);
      await store.append("s", 0, ["0", "1", "2", "3", "4"].map((v) => record(v)));
      await store.trim("s", 0, 3);
      assert.equal(store.stats("s", 0).startOffset, 3);
      assert.deepEqual(values(await readAll(store, "s", 0)), ["3", "4"]);
      const clamped = await store.read("s", 0, 1, { maxRecords: 10, maxBytes: 100 });
      assert.equal(clamped.records[0]?.offset, 3);
      assert.equal((await store.append("s", 0, [record("5")])).baseOffset, 5);
      await store.close();
    });

    it("applies time retention: records older than the period are gone", async () => {
      const clock = new ManualClock();
      const { store } = await factory(clock);
      await store.createLog("s", 1, { retentionMs: 24 * hour, retentionBytes: null });
      await store.append("s", 0, [record("old-1"), record("old-2")]);
      clock.advance(20 * hour);
      await store.append("s", 0, [record("recent")]);
      clock.advance(5 * hour);
      await store.enforceRetention();
      assert.deepEqual(values(await readAll(store, "s", 0)), ["recent"]);
      assert.equal(store.stats("s", 0).startOffset, 2);
      clock.advance(24 * hour);
      await store.enforceRetention();
      assert.deepEqual(await readAll(store, "s", 0), []);
      assert.equal(store.stats("s", 0).startOffset, 3);
      assert.equal((await store.append("s", 0, [record("after")])).baseOffset, 3);
      assert.deepEqual(values(await readAll(store, "s", 0)), ["after"]);
      await store.close();
    });

    it("changes retention on a live log", async () => {
      const clock = new ManualClock();
      const { store } = await factory(clock);
      await store.createLog("s", 1);
      await store.append("s", 0, [record("a")]);
      clock.advance(48 * hour);
      await store.enforceRetention();
      assert.deepEqual(values(await readAll(store, "s", 0)), ["a"], "no retention set: kept");
      await store.setRetention("s", { retentionMs: 24 * hour, retentionBytes: null });
      await store.enforceRetention();
      assert.deepEqual(await readAll(store, "s", 0), []);
      await store.close();
    });

    it("wakes waiters when records arrive, without polling", async () => {
      const { store } = await factory(new ManualClock());
      await store.createLog("s", 1);
      await store.waitForAppend("s", 0, -1);
      let woken = false;
      const waiting = store.waitForAppend("s", 0, 0).then(() => (woken = true));
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(woken, false);
      await store.append("s", 0, [record("x")]);
      await waiting;
      assert.equal(woken, true);
      const controller = new AbortController();
      const aborted = store.waitForAppend("s", 0, 1, controller.signal);
      controller.abort(new Error("gave up"));
      await assert.rejects(aborted, /gave up/);
      const orphaned = assert.rejects(store.waitForAppend("s", 0, 1), LogNotFoundError);
      await store.deleteLog("s");
      await orphaned;
      await store.close();
    });

    it("adds partitions after the existing ones", async () => {
      const { store } = await factory(new ManualClock());
      await store.createLog("s", 2);
      assert.equal(await store.addPartitions("s", 3), 2);
      assert.equal(store.partitionCount("s"), 5);
      await store.append("s", 4, [record("new")]);
      assert.deepEqual(values(await readAll(store, "s", 4)), ["new"]);
      await store.close();
    });

    it("acknowledges concurrent appends with unique, ordered offsets", async () => {
      const { store } = await factory(new ManualClock());
      await store.createLog("s", 2);
      const appends = Array.from({ length: 200 }, (_, i) => store.append("s", i % 2, [record(`v${i}`), record(`w${i}`)]));
      const results = await Promise.all(appends);
      for (const partition of [0, 1]) {
        const mine = results.filter((_, i) => i % 2 === partition).map((r) => r.baseOffset);
        assert.deepEqual(mine, Array.from({ length: 100 }, (_, i) => i * 2), "offsets follow call order");
        const records = await readAll(store, "s", partition);
        assert.equal(records.length, 200);
        assert.deepEqual(
          values(records).filter((_, i) => i % 2 === 0),
          Array.from({ length: 100 }, (_, i) => `v${i * 2 + partition}`),
        );
      }
      await store.close();
    });

    it("keeps logs, records, partition counts and retention across a restart", async (t) => {
      const clock = new ManualClock();
      const harness = await factory(clock);
      if (harness.reopen === undefined) {
        await harness.store.close();
        t.skip(`${backend} keeps nothing across a restart`);
        return;
      }
      const { store } = harness;
      await store.createLog("kept", 2, { retentionMs: 24 * hour, retentionBytes: null });
      await store.addPartitions("kept", 1);
      await store.append("kept", 0, [record("a"), record("b")]);
      await store.append("kept", 2, [record("c")]);
      await store.trim("kept", 0, 1);
      const reopened = await harness.reopen();
      assert.deepEqual(reopened.listLogs(), ["kept"]);
      assert.equal(reopened.partitionCount("kept"), 3);
      assert.deepEqual(values(await readAll(reopened, "kept", 0)), ["b"]);
      assert.deepEqual(values(await readAll(reopened, "kept", 2)), ["c"]);
      assert.equal((await reopened.append("kept", 0, [record("d")])).baseOffset, 2);
      clock.advance(25 * hour);
      await reopened.enforceRetention();
      assert.deepEqual(values(await readAll(reopened, "kept", 0)), [], "retention policy survived the restart");
      await reopened.close();
    });
  });
}
