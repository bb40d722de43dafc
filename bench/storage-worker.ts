/**
 * Child process for the storage suite (storage.ts): runs one phase in a fresh process and prints its result as JSON.
 *
 *   raw-write   plain positional writes of a fixed size, each followed by fdatasync
 *   log-write   EmbeddedLogStore appends with fsync "always"
 *   raw-read    plain sequential fs reads of the segment files of a store
 *   log-read    opens a store and reads one log back with store.read
 */
import { randomBytes } from "node:crypto";
import { constants, readFileSync } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { EmbeddedLogStore } from "../src/storage/embedded/embedded-log-store.js";
import type { AppendRecord } from "../src/storage/log-store.js";
import { childMain, peakRssBytes } from "./lib/child.js";

/** How many different buffers or batches the writers cycle through: the data is random, not one buffer again. */
const distinctPayloads = 8;

export interface RecordShape {
  readonly recordsPerAppend: number;
  readonly keyBytes: number;
  readonly valueBytes: number;
}

export interface RawWriteTask {
  readonly kind: "raw-write";
  readonly dir: string;
  /** Names this run's files, so that rounds of the same case write new files. */
  readonly round: number;
  readonly files: number;
  readonly inFlight: number;
  readonly writeBytes: number;
  readonly writes: number;
  readonly maxMs: number;
}

export interface LogWriteTask {
  readonly kind: "log-write";
  /** A store to open, new or written by an earlier round; the log is created if it is not there yet. */
  readonly dataDir: string;
  readonly log: string;
  readonly partitions: number;
  readonly inFlight: number;
  readonly records: RecordShape;
  readonly appends: number;
  readonly warmupAppends: number;
  readonly maxMs: number;
}

export interface RawReadTask {
  readonly kind: "raw-read";
  /** One reader per group, reading its files one after the other. */
  readonly groups: string[][];
  readonly chunkBytes: number;
}

export interface LogReadTask {
  readonly kind: "log-read";
  readonly dataDir: string;
  readonly log: string;
  readonly maxRecords: number;
  readonly maxBytes: number;
  readonly expectedRecords: number;
}

export type StorageTask = RawWriteTask | LogWriteTask | RawReadTask | LogReadTask;

export interface WriteResult {
  /** Writes (raw) or appends (log) acknowledged. */
  readonly operations: number;
  readonly elapsedMs: number;
  /** Every operation's latency, from call to acknowledgement, in ms. */
  readonly latenciesMs: number[];
  readonly stoppedByTime: boolean;
  readonly peakRssBytes: number;
  /** RSS when measuring started (after opening files or the store, and the warm-up). */
  readonly startRssBytes: number;
}

export interface LogWriteResult extends WriteResult {
  readonly records: number;
  readonly payloadBytes: number;
  /** Bytes the segment files grew by (batches with their framing). */
  readonly logBytes: number;
  /** FileHandle calls made by the store while measuring: how appends were grouped into write rounds. */
  readonly fileCalls: FileCallCounts;
  readonly closeMs: number;
}

export interface FileCallCounts {
  readonly datasync: number;
  readonly writev: number;
  readonly write: number;
  /** Writes (either kind) through an O_DSYNC descriptor: each is durable when it returns. */
  readonly durableWrites: number;
}

export interface ReadResult {
  readonly bytes: number;
  readonly elapsedMs: number;
  readonly peakRssBytes: number;
}

export interface LogReadResult extends ReadResult {
  readonly records: number;
  /** store.read calls. */
  readonly reads: number;
  readonly openMs: number;
}

async function main(task: StorageTask): Promise<unknown> {
  switch (task.kind) {
    case "raw-write":
      return rawWrite(task);
    case "log-write":
      return logWrite(task);
    case "raw-read":
      return rawRead(task);
    case "log-read":
      return logRead(task);
  }
}

async function rawWrite(task: RawWriteTask): Promise<WriteResult> {
  const buffers = Array.from({ length: distinctPayloads }, () => randomBytes(task.writeBytes));
  const handles: FileHandle[] = [];
  for (let f = 0; f < task.files; f++) handles.push(await open(join(task.dir, `raw-${task.round}-${f}.dat`), "w"));
  const positions = handles.map(() => 0);
  const startRssBytes = process.memoryUsage.rss();
  try {
    const run = await drive(task.inFlight, task.writes, task.maxMs, async (worker, n) => {
      const file = worker % task.files;
      const position = positions[file]!;
      positions[file] = position + task.writeBytes;
      await writeFully(handles[file]!, buffers[n % distinctPayloads]!, position);
      await handles[file]!.datasync();
    });
    return { ...run, startRssBytes, peakRssBytes: peakRssBytes() };
  } finally {
    for (const handle of handles) await handle.close();
  }
}

async function logWrite(task: LogWriteTask): Promise<LogWriteResult> {
  const calls = await countFileHandleCalls();
  const batches = makeBatches(task.records);
  const store = await EmbeddedLogStore.open({ dataDir: task.dataDir, fsync: "always" });
  const partitionOf = (worker: number): number => worker % task.partitions;

  // Warm-up on a throwaway log, so the measured appends run on optimized code.
  const warmupLog = `${task.log}-warmup`;
  await store.createLog(warmupLog, task.partitions);
  await drive(task.inFlight, task.warmupAppends, task.maxMs, (worker, n) =>
    store.append(warmupLog, partitionOf(worker), batches[n % distinctPayloads]!),
  );
  await store.deleteLog(warmupLog);

  if (!store.listLogs().includes(task.log)) await store.createLog(task.log, task.partitions);
  const before = logTotals(store, task.log);
  const callsBefore = { ...calls };
  const startRssBytes = process.memoryUsage.rss();
  const run = await drive(task.inFlight, task.appends, task.maxMs, (worker, n) =>
    store.append(task.log, partitionOf(worker), batches[n % distinctPayloads]!),
  );
  const fileCalls = {
    datasync: calls.datasync - callsBefore.datasync,
    writev: calls.writev - callsBefore.writev,
    write: calls.write - callsBefore.write,
    durableWrites: calls.durableWrites - callsBefore.durableWrites,
  };

  const records = run.operations * task.records.recordsPerAppend;
  const after = logTotals(store, task.log);
  const stored = after.records - before.records;
  if (stored !== records) throw new Error(`the log gained ${stored} records, ${records} were acknowledged`);
  const closeStart = performance.now();
  await store.close();
  const closeMs = performance.now() - closeStart;
  const { recordsPerAppend, keyBytes, valueBytes } = task.records;
  return {
    ...run,
    records,
    payloadBytes: run.operations * recordsPerAppend * (keyBytes + valueBytes),
    logBytes: after.bytes - before.bytes,
    fileCalls,
    closeMs,
    startRssBytes,
    peakRssBytes: peakRssBytes(),
  };
}

async function rawRead(task: RawReadTask): Promise<ReadResult> {
  const start = performance.now();
  const bytes = await Promise.all(
    task.groups.map(async (files) => {
      const buffer = Buffer.allocUnsafe(task.chunkBytes);
      let total = 0;
      for (const file of files) {
        const handle = await open(file, "r");
        try {
          for (;;) {
            const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
            if (bytesRead === 0) break;
            total += bytesRead;
          }
        } finally {
          await handle.close();
        }
      }
      return total;
    }),
  );
  return { bytes: sum(bytes), elapsedMs: performance.now() - start, peakRssBytes: peakRssBytes() };
}

async function logRead(task: LogReadTask): Promise<LogReadResult> {
  const openStart = performance.now();
  const store = await EmbeddedLogStore.open({ dataDir: task.dataDir, fsync: "always" });
  const openMs = performance.now() - openStart;
  const limits = { maxRecords: task.maxRecords, maxBytes: task.maxBytes };
  const start = performance.now();
  const partitions = Array.from({ length: store.partitionCount(task.log) }, (_, p) => p);
  const perPartition = await Promise.all(
    partitions.map(async (partition) => {
      const { startOffset, endOffset } = store.stats(task.log, partition);
      let offset = startOffset;
      let bytes = 0;
      let reads = 0;
      while (offset < endOffset) {
        const page = await store.read(task.log, partition, offset, limits);
        reads++;
        if (page.records.length === 0) throw new Error(`partition ${partition}: empty read at ${offset}, before ${endOffset}`);
        for (const record of page.records) {
          if (record.offset !== offset) throw new Error(`partition ${partition}: read offset ${record.offset}, expected ${offset}`);
          offset++;
          bytes += record.value.length + (record.key?.length ?? 0);
        }
      }
      return { records: endOffset - startOffset, bytes, reads };
    }),
  );
  const elapsedMs = performance.now() - start;
  await store.close();
  const records = sum(perPartition.map((p) => p.records));
  if (records !== task.expectedRecords) throw new Error(`read ${records} records, expected ${task.expectedRecords}`);
  return {
    records,
    bytes: sum(perPartition.map((p) => p.bytes)),
    reads: sum(perPartition.map((p) => p.reads)),
    elapsedMs,
    openMs,
    peakRssBytes: peakRssBytes(),
  };
}

function logTotals(store: EmbeddedLogStore, log: string): { records: number; bytes: number } {
  let records = 0;
  let bytes = 0;
  for (let p = 0; p < store.partitionCount(log); p++) {
    const stats = store.stats(log, p);
    records += stats.endOffset - stats.startOffset;
    bytes += stats.sizeBytes;
  }
  return { records, bytes };
}

/**
 * Runs `operation` from `inFlight` concurrent loops until `total` operations have been started or `maxMs` has passed,
 * timing each one from call to completion.
 */
async function drive(
  inFlight: number,
  total: number,
  maxMs: number,
  operation: (worker: number, n: number) => Promise<unknown>,
): Promise<{ operations: number; elapsedMs: number; latenciesMs: number[]; stoppedByTime: boolean }> {
  const latencies: number[] = [];
  let started = 0;
  let stoppedByTime = false;
  const start = performance.now();
  const deadline = start + maxMs;
  const loop = async (worker: number): Promise<void> => {
    while (started < total) {
      if (performance.now() >= deadline) {
        stoppedByTime = true;
        return;
      }
      const n = started++;
      const begin = performance.now();
      await operation(worker, n);
      latencies.push(performance.now() - begin);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, (_, worker) => loop(worker)));
  const elapsedMs = performance.now() - start;
  const latenciesMs = latencies.map((ms) => Math.round(ms * 1000) / 1000);
  return { operations: latencies.length, elapsedMs, latenciesMs, stoppedByTime };
}

/** Batches of random records (keys are short distinct strings, as partition keys are). */
function makeBatches(shape: RecordShape): AppendRecord[][] {
  const values = randomBytes(distinctPayloads * shape.recordsPerAppend * shape.valueBytes);
  let next = 0;
  return Array.from({ length: distinctPayloads }, () =>
    Array.from({ length: shape.recordsPerAppend }, () => {
      const n = next++;
      const key = Buffer.from(`pk-${n}`.padEnd(shape.keyBytes, "-").slice(0, shape.keyBytes));
      const value = values.subarray(n * shape.valueBytes, (n + 1) * shape.valueBytes);
      return { key: shape.keyBytes === 0 ? null : key, value };
    }),
  );
}

async function writeFully(handle: FileHandle, buffer: Buffer, position: number): Promise<void> {
  let written = 0;
  while (written < buffer.length) {
    const { bytesWritten } = await handle.write(buffer, written, buffer.length - written, position + written);
    written += bytesWritten;
  }
}

/**
 * Counts FileHandle.datasync / writev / write calls made in this process (by wrapping the shared prototype), to see
 * how many appends each of the store's write rounds carried. A write through a descriptor opened with O_DSYNC is a
 * sync of its own (the store's fsync "always" uses one for rounds written in one piece); Linux's /proc tells which
 * descriptors those are, once per handle. One counter increment per call otherwise: no measurable cost.
 */
async function countFileHandleCalls(): Promise<{ datasync: number; writev: number; write: number; durableWrites: number }> {
  const counts = { datasync: 0, writev: 0, write: 0, durableWrites: 0 };
  const durable = new WeakMap<object, boolean>();
  const isDurable = (handle: FileHandle): boolean => {
    let known = durable.get(handle);
    if (known === undefined) {
      const flags = /^flags:\s+([0-7]+)/m.exec(readFdInfo(handle.fd))?.[1];
      known = flags !== undefined && (Number.parseInt(flags, 8) & (constants.O_DSYNC ?? 0)) !== 0;
      durable.set(handle, known);
    }
    return known;
  };
  const probe = await open(fileURLToPath(import.meta.url), "r");
  const prototype = Object.getPrototypeOf(probe) as Record<"datasync" | "writev" | "write", (...args: unknown[]) => unknown>;
  await probe.close();
  for (const name of ["datasync", "writev", "write"] as const) {
    const original = prototype[name];
    prototype[name] = function (this: FileHandle, ...args: unknown[]): unknown {
      counts[name]++;
      if (name !== "datasync" && isDurable(this)) counts.durableWrites++;
      return original.apply(this, args);
    };
  }
  return counts;
}

function readFdInfo(fd: number): string {
  try {
    return readFileSync(`/proc/self/fdinfo/${fd}`, "utf8");
  } catch {
    return "";
  }
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

childMain(main);
