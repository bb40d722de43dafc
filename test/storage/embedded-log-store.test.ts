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

  /** For each of this process's descriptors of a segment log file under `dir`: whether it is O_DSYNC. */
  async function segmentLogDescriptors(dir: string): Promise<boolean[]> {
    const durable: boolean[] = [];
    for (const fd of await readdir("/proc/self/fd")) {
      const target = await readlink(`/proc/self/fd/${fd}`).catch(() => "");
      if (target.startsWith(dir) && target.endsWith(".log")) durable.push(isDurable(fd));
    }
    return durable;
  }

  it("makes a round written in one piece durable by its O_DSYNC write, and syncs a round written in pieces once", async () => {
    const calls: Array<{ call: "write" | "datasync"; durable: boolean }> = [];
    const probe = await open(fileURLToPath(import.meta.url), "r");
    const prototype = Object.getPrototypeOf(probe) as Record<"writev" | "datasync", (...args: unknown[]) => unknown>;
    await probe.close();
    const originals = { writev: prototype.writev, datasync: prototype.datasync };
    for (const name of ["writev", "datasync"] as const) {
      prototype[name] = function (this: FileHandle, ...args: unknown[]): unknown {
        if (readlinkSync(`/proc/self/fd/${this.fd}`).endsWith(".log")) {
          calls.push({ call: name === "writev" ? "write" : "datasync", durable: isDurable(this.fd) });
        }
        return originals[name].apply(this, args);
      };
    }
    try {
      const dataDir = await tempDir();
      const store = await EmbeddedLogStore.open({ dataDir, fsync: "always" });
      await store.createLog("s", 1);
      calls.length = 0;
      await store.append("s", 0, [{ key: null, value: Buffer.alloc(1000, 1) }]);
      assert.deepEqual(calls, [{ call: "write", durable: true }], "one piece: one O_DSYNC write, no fdatasync");
      calls.length = 0;
      // Bigger than writeAheadBytes: the batch is written while the round goes on, through the plain descriptor.
      await store.append("s", 0, [{ key: null, value: Buffer.alloc(logStorageDefaults.writeAheadBytes + 1000, 2) }]);
      assert.deepEqual(calls, [
        { call: "write", durable: false },
        { call: "datasync", durable: false },
      ]);
      const read = await store.read("s", 0, 0, { maxRecords: 10, maxBytes: 10_000_000 });
      assert.deepEqual(read.records.map((record) => record.value[0]), [1, 2]);
      await store.close();
    } finally {
      Object.assign(prototype, originals);
    }
  });

  for (const fsync of ["always", "interval", "never"] as const) {
    it(`opens a written segment ${fsync === "always" ? "also" : "never"} with O_DSYNC under fsync ${fsync}, after rolling and reopening too`, async () => {
      const dataDir = await tempDir();
      const options = { dataDir, fsync, segmentBytes: 200 };
      let store = await EmbeddedLogStore.open(options);
      await store.createLog("s", 2);
      // Under always, an active segment that has been written to is open twice: for writes in pieces (then
      // fdatasync), and with O_DSYNC; one not written to yet, only once.
      const check = async (written: number): Promise<void> => {
        const descriptors = await segmentLogDescriptors(dataDir);
        assert.equal(descriptors.filter((durable) => !durable).length, 2, "one plain descriptor per partition");
        assert.equal(descriptors.filter((durable) => durable).length, fsync === "always" ? written : 0);
      };
      await check(0);
      await store.append("s", 1, [{ key: null, value: Buffer.alloc(10) }]);
      await check(1);
      for (let i = 0; i < 5; i++) await store.append("s", 0, [{ key: null, value: Buffer.alloc(100, i) }]);
      assert.ok((await readdir(join(dataDir, "logs", "s", "0"))).filter((name) => name.endsWith(".log")).length > 1, "rolled");
      await check(2);
      await store.close();
      store = await EmbeddedLogStore.open(options);
      await check(0);
      await store.append("s", 0, [{ key: null, value: Buffer.alloc(10, 9) }]);
      await check(1);
      const read = await store.read("s", 0, 0, { maxRecords: 10, maxBytes: 10_000 });
      assert.deepEqual(read.records.map((record) => record.value[0]), [0, 1, 2, 3, 4, 9]);
      await store.close();
    });
  }
});
