/**
 * kill -9: a child process appends with fsync "always" and is killed at a random moment, several times over on the
 * same data directory; then every append it saw acknowledged must be there, exactly once, where it was acknowledged.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { describe, it } from "node:test";
import { EmbeddedLogStore } from "../../src/storage/embedded/embedded-log-store.js";
import {
  type Acknowledgement,
  killLog,
  killPartitions,
  killStoreOptions,
  sequencedRecord,
  sequenceOf,
} from "../support/kill-workload.js";
import { readAll } from "../support/records.js";
import { tempDir } from "../support/temp-dir.js";

const childScript = fileURLToPath(new URL("../support/append-until-killed.js", import.meta.url));
const rounds = 5;
/** The kill comes this long after the child's first acknowledgement. */
const killDelayMs = { min: 50, max: 400 };
/** A child that acknowledges nothing for this long is stuck: give up on it rather than hang the suite. */
const startTimeoutMs = 15_000;

interface Run {
  readonly acknowledged: Acknowledgement[];
  readonly stderr: string;
}

/** Starts the child on `dataDir`, kills it with SIGKILL `delayMs` after its first acknowledgement, and collects them. */
async function runUntilKilled(dataDir: string, delayMs: number): Promise<Run> {
  const child = spawn(process.execPath, [childScript, dataDir], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  let killTimer: NodeJS.Timeout | undefined;
  const kill = (): void => void child.kill("SIGKILL");
  const stuckTimer = setTimeout(kill, startTimeoutMs);
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
    if (killTimer === undefined && stdout.includes("\n")) {
      clearTimeout(stuckTimer);
      killTimer = setTimeout(kill, delayMs);
    }
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const [code, signal] = (await once(child, "close")) as [number | null, NodeJS.Signals | null];
  clearTimeout(stuckTimer);
  clearTimeout(killTimer);
  assert.equal(signal, "SIGKILL", `the child ended by itself (exit code ${code}):\n${stderr}`);
  assert.ok(killTimer !== undefined, `the child acknowledged nothing in ${startTimeoutMs} ms:\n${stderr}`);
  // The last line may be cut short by the kill; every complete one is an acknowledgement.
  const lines = stdout.split("\n").slice(0, -1);
  return { acknowledged: lines.map((line) => JSON.parse(line) as Acknowledgement), stderr };
}

describe("embedded log: kill -9", () => {
  it("keeps every acknowledged append, exactly once and in place, across repeated SIGKILLs", { timeout: 60_000 }, async (t) => {
    const dataDir = await tempDir();
    const acknowledged: Acknowledgement[] = [];
    for (let round = 0; round < rounds; round++) {
      const delayMs = killDelayMs.min + Math.floor(Math.random() * (killDelayMs.max - killDelayMs.min));
      const run = await runUntilKilled(dataDir, delayMs);
      t.diagnostic(`round ${round}: killed ${delayMs} ms after the first acknowledgement, ${run.acknowledged.length} acknowledged`);
      for (const line of run.stderr.split("\n").filter((l) => l.startsWith("recovery: "))) t.diagnostic(line);
      acknowledged.push(...run.acknowledged);
    }

    const store = await EmbeddedLogStore.open({ dataDir, ...killStoreOptions });
    for (let partition = 0; partition < killPartitions; partition++) {
      const records = await readAll(store, killLog, partition);
      // Acknowledged or not, what is there is the partition's sequence from 0: nothing lost, doubled or reordered.
      assert.deepEqual(
        records.map((r) => [r.offset, sequenceOf(partition, r.value)]),
        records.map((_, i) => [i, i]),
        `partition ${partition} holds its sequence without gaps or duplicates`,
      );
      for (const [offset, stored] of records.entries()) {
        const { key, value } = sequencedRecord(partition, offset);
        assert.ok(stored.value.equals(value) && (key === null ? stored.key === null : stored.key?.equals(Buffer.from(key))), `record ${offset} byte for byte`);
      }
      const mine = acknowledged.filter((a) => a.partition === partition).sort((a, b) => a.baseOffset - b.baseOffset);
      assert.ok(mine.length > 0, `partition ${partition} had appends acknowledged`);
      for (const [i, ack] of mine.entries()) {
        const previous = mine[i - 1];
        // An acknowledged record lost and then written again under the same offset would show here.
        if (previous !== undefined) assert.ok(ack.baseOffset >= previous.baseOffset + previous.count, "each offset acknowledged once");
      }
      for (const ack of mine) {
        const what = `acknowledged ${JSON.stringify(ack)}`;
        assert.equal(ack.baseOffset, ack.firstSequence, `${what}: at the offset its sequence number says`);
        assert.ok(ack.baseOffset + ack.count <= records.length, `${what}: still there`);
        for (let i = 0; i < ack.count; i++) assert.equal(records[ack.baseOffset + i]!.timestamp, ack.timestamp, what);
      }
    }
    await store.close();
  });
});
