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

  it("makes a small round durable in the write-ahead file, and a large one in its segment", async () => {
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
      const append = async (partition: number, bytes: number, fill: number): Promise<Call[]> => {
        calls.length = 0;
        await store.append("s", partition, [{ key: null, value: Buffer.alloc(bytes, fill) }]);
        return calls.slice();
      };
      assert.deepEqual(await append(0, 1000, 1), [
        { call: "write", file: "segment", durable: false },
        { call: "write", file: "write-ahead", durable: true },
      ], "small: a plain segment write, then the round's place in an O_DSYNC frame");
      assert.deepEqual(await append(0, large, 2), [
        { call: "write", file: "segment", durable: false },
        { call: "datasync", file: "segment", durable: false },
      ], "large, after a round not yet synced in the segment: one sync covers both");
      assert.deepEqual(await append(1, large, 3), [{ call: "write", file: "segment", durable: true }], "large, segment synced: one O_DSYNC write");
      assert.deepEqual(await append(1, 10, 4), [
        { call: "write", file: "segment", durable: false },
        { call: "write", file: "write-ahead", durable: true },
      ]);
      const read = await store.read("s", 0, 0, { maxRecords: 10, maxBytes: 10_000_000 });
      assert.deepEqual(read.records.map((record) => record.value[0]), [1, 2]);
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
    it(`opens segments without O_DSYNC, and ${fsync === "always" ? "one" : "no"} O_DSYNC write-ahead file, under fsync ${fsync}`, async () => {
      const dataDir = await tempDir();
      const options = { dataDir, fsync, segmentBytes: 200 };
      let store = await EmbeddedLogStore.open(options);
      await store.createLog("s", 2);
      const check = async (): Promise<void> => {
        assert.deepEqual(await descriptors(dataDir, ".log"), [false, false], "one plain descriptor per partition");
        assert.deepEqual(await descriptors(dataDir, ".wal"), fsync === "always" ? [true] : []);
      };
      await check();
      await store.append("s", 1, [{ key: null, value: Buffer.alloc(10) }]);
      for (let i = 0; i < 5; i++) await store.append("s", 0, [{ key: null, value: Buffer.alloc(100, i) }]);
      assert.ok((await readdir(join(dataDir, "logs", "s", "0"))).filter((name) => name.endsWith(".log")).length > 1, "rolled");
      await check();
      await store.close();
      assert.deepEqual(await readdir(join(dataDir, "write-ahead")), [], "a clean close leaves no write-ahead file");
      store = await EmbeddedLogStore.open(options);
      await store.append("s", 0, [{ key: null, value: Buffer.alloc(10, 9) }]);
      await check();
      const read = await store.read("s", 0, 0, { maxRecords: 10, maxBytes: 10_000 });
      assert.deepEqual(read.records.map((record) => record.value[0]), [0, 1, 2, 3, 4, 9]);
      await store.close();
    });
  }
});
