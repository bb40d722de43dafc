import assert from "node:assert/strict";
import fs, { constants, readFileSync, readlinkSync } from "node:fs";
import { type FileHandle, open, readdir, readFile, readlink } from "node:fs/promises";
import { syncBuiltinESMExports } from "node:module";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { logStorageDefaults } from "../../src/config/limits.js";
import { EmbeddedLogStore } from "../../src/storage/embedded/embedded-log-store.js";
import { ManualClock } from "../support/clock.js";
import { tempDir } from "../support/temp-dir.js";
import { logStoreCases } from "./log-store.cases.js";

logStoreCases("embedded", async (clock) => {
  const dataDir = await tempDir();
  const store = await EmbeddedLogStore.open({ dataDir, clock });
  return {
    store,
    reopen: async () => {
      await store.close();
      return EmbeddedLogStore.open({ dataDir, clock });
    },
  };
});

logStoreCases("embedded, tiny segments", async (clock) => {
  const dataDir = await tempDir();
  const options = { dataDir, clock, segmentBytes: 100, indexIntervalBytes: 40 };
  const store = await EmbeddedLogStore.open(options);
  return {
    store,
    reopen: async () => {
      await store.close();
      return EmbeddedLogStore.open(options);
    },
  };
});

describe("embedded: how fsync always reaches the disk", { skip: process.platform !== "linux" }, () => {
  /** Whether this process's descriptor `fd` was opened with O_DSYNC (Linux /proc). */
  function isDurable(fd: number | string): boolean {
    const flags = /^flags:\s+([0-7]+)/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, "utf8"))![1]!;
    return (Number.parseInt(flags, 8) & constants.O_DSYNC) !== 0;
  }

  /** For each of this process's descriptors of files under `dir` ending in `suffix`: whether it is O_DSYNC. */
  async function descriptors(dir: string, suffix: string): Promise<boolean[]> {
    const durable: boolean[] = [];
    for (const fd of await readdir("/proc/self/fd")) {
      const target = await readlink(`/proc/self/fd/${fd}`).catch(() => "");
      if (target.startsWith(dir) && target.endsWith(suffix)) durable.push(isDurable(fd));
    }
    return durable;
  }

  /** A write or sync through the thread pool (a file handle's), or a write made from the event loop (fs.writevSync). */
  type FileCall = "write" | "datasync" | "write from the event loop";

  /**
   * Runs `body` with `onCall` told of every writev and datasync of this process's file handles (they share one
   * prototype) and every fs.writevSync, before it happens; `onCall` may throw to make the call fail.
   */
  async function watchingFileCalls(onCall: (call: FileCall, path: string, fd: number) => void, body: () => Promise<void>): Promise<void> {
    const probe = await open(fileURLToPath(import.meta.url), "r");
    const prototype = Object.getPrototypeOf(probe) as Record<"writev" | "datasync", (...args: unknown[]) => unknown>;
    await probe.close();
    const originals = { writev: prototype.writev, datasync: prototype.datasync, writevSync: fs.writevSync };
    for (const name of ["writev", "datasync"] as const) {
      prototype[name] = function (this: FileHandle, ...args: unknown[]): unknown {
        onCall(name === "writev" ? "write" : "datasync", readlinkSync(`/proc/self/fd/${this.fd}`), this.fd);
        return originals[name].apply(this, args);
      };
    }
    fs.writevSync = (fd: number, ...rest: [readonly NodeJS.ArrayBufferView[], number?]) => {
      onCall("write from the event loop", readlinkSync(`/proc/self/fd/${fd}`), fd);
      return originals.writevSync(fd, ...rest);
    };
    syncBuiltinESMExports();
    try {
      await body();
    } finally {
      prototype.writev = originals.writev;
      prototype.datasync = originals.datasync;
      fs.writevSync = originals.writevSync;
      syncBuiltinESMExports();
    }
  }

  /** What a file call did, as the tests below list them: "segment: write (O_DSYNC)". */
  function describeCall(call: FileCall, path: string, fd: number): string {
    const file = path.endsWith(".log") ? "segment" : path.endsWith(".wal") ? "write-ahead" : path;
    return `${file}: ${call}${isDurable(fd) ? " (O_DSYNC)" : ""}`;
  }

  it("makes small rounds in flight together durable in the write-ahead file, and a lone or large one in its segment", async () => {
    const calls: string[] = [];
    const watch = (call: FileCall, path: string, fd: number): void => {
      if (path.endsWith(".log") || path.endsWith(".wal")) calls.push(describeCall(call, path, fd));
    };
    await watchingFileCalls(watch, async () => {
      const dataDir = await tempDir();
      // Never quiet: a lone round goes through the thread pool (the next test covers the quiet store).
      const store = await EmbeddedLogStore.open({ dataDir, fsync: "always", quietStoreMs: Number.POSITIVE_INFINITY });
      await store.createLog("s", 2);
      const large = logStorageDefaults.writeAheadRoundMaxBytes;
      const record = (bytes: number, fill: number) => [{ key: null, value: Buffer.alloc(bytes, fill) }];
      /** The calls the appends made, in an order that does not depend on which thread-pool job finished first. */
      const callsOf = async (...appends: Array<[partition: number, bytes: number, fill: number]>): Promise<string[]> => {
        calls.length = 0;
        await Promise.all(appends.map(([partition, bytes, fill]) => store.append("s", partition, record(bytes, fill))));
        return calls.slice().sort();
      };
      assert.deepEqual(await callsOf([0, 1000, 1]), ["segment: write (O_DSYNC)"], "alone: one durable write to its segment");
      assert.deepEqual(
        await callsOf([0, 1000, 2], [1, 1000, 3]),
        ["segment: write from the event loop", "segment: write from the event loop", "write-ahead: write (O_DSYNC)"],
        "two at once (queued in one turn, as a PutRecords' shards are): plain segment writes and one durable frame for both",
      );
      assert.deepEqual(
        await callsOf([1, large, 4]),
        ["segment: datasync", "segment: write"],
        "large, after a round not yet synced in its segment: one sync covers both",
      );
      assert.deepEqual(await callsOf([1, large, 5]), ["segment: write (O_DSYNC)"], "large, segment synced: one O_DSYNC write");
      await callsOf([0, 10, 6], [1, 10, 7]);
      const read = await store.read("s", 1, 0, { maxRecords: 10, maxBytes: 10_000_000 });
      assert.deepEqual(read.records.map((record) => record.value[0]), [3, 4, 5, 7]);
      calls.length = 0;
      await store.close();
      assert.deepEqual(
        calls.filter((call) => call.endsWith("datasync")),
        ["segment: datasync", "segment: datasync"],
        "a clean close syncs each segment whose last round is only in the write-ahead file",
      );
    });
  });

  it("writes a small lone round of a quiet store from the event loop: one O_DSYNC write, no trip to the thread pool", async () => {
    const calls: string[] = [];
    await watchingFileCalls(
      (call, path, fd) => void calls.push(describeCall(call, path, fd)),
      async () => {
        const dataDir = await tempDir();
        // Not quiet for a minute after it opened, or after a round ended.
        const store = await EmbeddedLogStore.open({ dataDir, fsync: "always", quietStoreMs: 60_000 });
        await store.createLog("s", 2);
        const record = (bytes: number, fill: number) => [{ key: null, value: Buffer.alloc(bytes, fill) }];
        const callsOf = async (append: () => Promise<unknown>): Promise<string[]> => {
          calls.length = 0;
          await append();
          return calls.slice().sort();
        };
        for (const fill of [1, 2]) assert.deepEqual(await callsOf(() => store.append("s", 0, record(1000, fill))), ["segment: write (O_DSYNC)"]);
        await store.close();

        const quiet = await EmbeddedLogStore.open({ dataDir, fsync: "always", quietStoreMs: 0 });
        assert.deepEqual(await callsOf(() => quiet.append("s", 1, record(1000, 3))), ["segment: write from the event loop (O_DSYNC)"]);
        assert.deepEqual(
          await callsOf(() => quiet.append("s", 1, record(logStorageDefaults.quietWriteMaxBytes + 1, 4))),
          ["segment: write (O_DSYNC)"],
          "too large to hold the event loop for",
        );
        assert.deepEqual(
          await callsOf(() => Promise.all([quiet.append("s", 0, record(10, 5)), quiet.append("s", 1, record(10, 6))])),
          ["segment: write from the event loop", "segment: write from the event loop", "write-ahead: write (O_DSYNC)"],
          "two at once: plain segment writes and one durable frame for both",
        );
        for (const [partition, fills] of [[0, [1, 2, 5]], [1, [3, 4, 6]]] as const) {
          const read = await quiet.read("s", partition, 0, { maxRecords: 10, maxBytes: 10_000_000 });
          assert.deepEqual(read.records.map((stored) => stored.value[0]), fills);
        }
        await quiet.close();
      },
    );
  });

  it("fails the rounds of a write-ahead frame that cannot be written, and cuts them back off their segments", async () => {
    const dataDir = await tempDir();
    let failing = false;
    const failFrames = (call: FileCall, path: string): void => {
      if (failing && call === "write" && path.endsWith(".wal")) throw Object.assign(new Error("EIO: i/o error, write"), { code: "EIO" });
    };
    await watchingFileCalls(failFrames, async () => {
      const store = await EmbeddedLogStore.open({ dataDir, fsync: "always" });
      await store.createLog("s", 3);
      const append = (partition: number, fill: number) => store.append("s", partition, [{ key: null, value: Buffer.alloc(100, fill) }]);
      await Promise.all([append(0, 1), append(1, 2), append(2, 3)]);
      const segment = join(dataDir, "logs", "s", "1", `${"0".padStart(20, "0")}.log`);
      const sizeBefore = (await readFile(segment)).length;
      failing = true;
      // Queued in one turn, the three rounds share a frame, which fails.
      const outcomes = await Promise.allSettled([append(0, 4), append(1, 5), append(2, 6)]);
      failing = false;
      for (const outcome of outcomes) {
        assert.equal(outcome.status, "rejected");
        assert.equal((outcome as PromiseRejectedResult).reason.name, "StorageIoError");
      }
      assert.equal((await readFile(segment)).length, sizeBefore, "the failed round's bytes were cut off its segment");
      assert.deepEqual([0, 1, 2].map((partition) => store.stats("s", partition).endOffset), [1, 1, 1]);
      assert.equal((await append(1, 7)).baseOffset, 1, "the next round takes the failed one's offsets");
      const read = await store.read("s", 1, 0, { maxRecords: 10, maxBytes: 10_000 });
      assert.deepEqual(read.records.map((record) => record.value[0]), [2, 7]);
      await store.close();
    });
  });

  it("does not fail a round when the index file cannot be written, and writes its entries at the next chance", async () => {
    const run = async (failIndexWrites: boolean): Promise<{ index: Buffer; failures: number }> => {
      const dataDir = await tempDir();
      const clock = new ManualClock();
      let failing = failIndexWrites;
      let failures = 0;
      const failIndex = (call: FileCall, path: string): void => {
        if (!failing || call !== "write" || !path.endsWith(".index")) return;
        failures++;
        throw Object.assign(new Error("EIO: i/o error, write"), { code: "EIO" });
      };
      await watchingFileCalls(failIndex, async () => {
        const store = await EmbeddedLogStore.open({ dataDir, clock });
        await store.createLog("s", 1);
        const quarter = (fill: number) => [{ key: null, value: Buffer.alloc(logStorageDefaults.indexWriteIntervalBytes / 4, fill) }];
        for (let i = 0; i < 10; i++) {
          if (i === 5) failing = false;
          clock.advance(1000);
          assert.equal((await store.append("s", 0, quarter(i))).baseOffset, i);
        }
        await store.close();
      });
      return { index: await readFile(join(dataDir, "logs", "s", "0", `${"0".padStart(20, "0")}.index`)), failures };
    };
    const failed = await run(true);
    const control = await run(false);
    assert.ok(failed.failures > 0, "an index write was due while they failed");
    assert.equal(control.failures, 0);
    assert.ok(control.index.length > 0);
    assert.deepEqual(failed.index, control.index, "the entries reached the index file all the same");
  });


  for (const fsync of ["always", "interval", "never"] as const) {
    it(`opens ${fsync === "always" ? "a segment that a lone round wrote also with O_DSYNC, and one O_DSYNC write-ahead file" : "nothing with O_DSYNC"} under fsync ${fsync}, after rolling and reopening too`, async () => {
      const dataDir = await tempDir();
      const options = { dataDir, fsync, segmentBytes: 200 };
      let store = await EmbeddedLogStore.open(options);
      await store.createLog("s", 2);
      // Every append here is a lone round: under always, written with one O_DSYNC write to its segment.
      const check = async (segmentsWrittenAlone: number): Promise<void> => {
        const segments = await descriptors(dataDir, ".log");
        assert.equal(segments.filter((durable) => !durable).length, 2, "one plain descriptor per partition");
        assert.equal(segments.filter((durable) => durable).length, fsync === "always" ? segmentsWrittenAlone : 0);
        assert.deepEqual(await descriptors(dataDir, ".wal"), fsync === "always" ? [true] : []);
      };
      await check(0);
      await store.append("s", 1, [{ key: null, value: Buffer.alloc(10) }]);
      for (let i = 0; i < 5; i++) await store.append("s", 0, [{ key: null, value: Buffer.alloc(100, i) }]);
      assert.ok((await readdir(join(dataDir, "logs", "s", "0"))).filter((name) => name.endsWith(".log")).length > 1, "rolled");
      await check(2);
      await store.close();
      assert.deepEqual(await readdir(join(dataDir, "write-ahead")), [], "a clean close leaves no write-ahead file");
      store = await EmbeddedLogStore.open(options);
      await store.append("s", 0, [{ key: null, value: Buffer.alloc(10, 9) }]);
      await check(1);
      const read = await store.read("s", 0, 0, { maxRecords: 10, maxBytes: 10_000 });
      assert.deepEqual(read.records.map((record) => record.value[0]), [0, 1, 2, 3, 4, 9]);
      await store.close();
    });
  }
});
