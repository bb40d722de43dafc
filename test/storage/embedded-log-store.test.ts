import assert from "node:assert/strict";
import { constants, readFileSync, readlinkSync } from "node:fs";
import { type FileHandle, open, readdir, readlink } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { logStorageDefaults } from "../../src/config/limits.js";
import { EmbeddedLogStore } from "../../src/storage/embedded/embedded-log-store.js";
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

  it("makes small rounds in flight together durable in the write-ahead file, and a lone or large one in its segment", async () => {
    type Call = { call: "write" | "datasync"; file: "segment" | "write-ahead"; durable: boolean };
    const calls: Call[] = [];
    const probe = await open(fileURLToPath(import.meta.url), "r");
    const prototype = Object.getPrototypeOf(probe) as Record<"writev" | "datasync", (...args: unknown[]) => unknown>;
    await probe.close();
    const originals = { writev: prototype.writev, datasync: prototype.datasync };
    for (const name of ["writev", "datasync"] as const) {
      prototype[name] = function (this: FileHandle, ...args: unknown[]): unknown {
        const path = readlinkSync(`/proc/self/fd/${this.fd}`);
        const file = path.endsWith(".log") ? "segment" : path.endsWith(".wal") ? "write-ahead" : null;
        if (file !== null) calls.push({ call: name === "writev" ? "write" : "datasync", file, durable: isDurable(this.fd) });
        return originals[name].apply(this, args);
      };
    }
    try {
      const dataDir = await tempDir();
      const store = await EmbeddedLogStore.open({ dataDir, fsync: "always" });
      await store.createLog("s", 2);
      const large = logStorageDefaults.writeAheadRoundMaxBytes;
      const record = (bytes: number, fill: number) => [{ key: null, value: Buffer.alloc(bytes, fill) }];
      /** The calls the appends made, in an order that does not depend on which thread-pool job finished first. */
      const callsOf = async (...appends: Array<[partition: number, bytes: number, fill: number]>): Promise<string[]> => {
        calls.length = 0;
        await Promise.all(appends.map(([partition, bytes, fill]) => store.append("s", partition, record(bytes, fill))));
        return calls.map((call) => `${call.call} ${call.file}${call.durable ? " (O_DSYNC)" : ""}`).sort();
      };
      assert.deepEqual(await callsOf([0, 1000, 1]), ["write segment (O_DSYNC)"], "alone: one durable write to its segment");
      assert.deepEqual(
        await callsOf([0, 1000, 2], [1, 1000, 3]),
        ["write segment (O_DSYNC)", "write segment", "write write-ahead (O_DSYNC)"].sort(),
        "two at once: the first alone, as above; the second a plain segment write and its place in a durable frame",
      );
      assert.deepEqual(
        await callsOf([1, large, 4]),
        ["datasync segment", "write segment"],
        "large, after a round not yet synced in its segment: one sync covers both",
      );
      assert.deepEqual(await callsOf([1, large, 5]), ["write segment (O_DSYNC)"], "large, segment synced: one O_DSYNC write");
      await callsOf([0, 10, 6], [1, 10, 7]);
      const read = await store.read("s", 1, 0, { maxRecords: 10, maxBytes: 10_000_000 });
      assert.deepEqual(read.records.map((record) => record.value[0]), [3, 4, 5, 7]);
      calls.length = 0;
      await store.close();
      assert.deepEqual(
        calls.filter((call) => call.call === "datasync").map((call) => call.file),
        ["segment"],
        "a clean close syncs the one segment with a round only in the write-ahead file",
      );
    } finally {
      Object.assign(prototype, originals);
    }
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
