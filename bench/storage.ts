/**
 * Storage suite: how close the embedded log's durable appends come to what the disk can do, and how fast a cold
 * store reads back, measured in one run on the disk the project lives on.
 *
 *  1. Raw limit: plain writes of the same bytes as one append's batch, each followed by fdatasync — one at a time
 *     (the reference), and with as many in flight as the log gets.
 *  2. Freshet appends (EmbeddedLogStore, fsync "always", one batch of 500 × 1 KiB records per append, acknowledged
 *     once durable): 1 in flight, 8 in flight to one partition, 8 in flight over 4 partitions.
 *  3. Cold reads of the data of (2) in a fresh process after evicting the page cache, beside a raw sequential read
 *     of the same segment files.
 *  4. Peak RSS of every process that writes.
 *
 * Disks in shared machines drift (throttling, host caches), so the writes run in rounds, every case once a round,
 * in ABBA order (forward, backward, …): each case sees the same conditions on average, and each ratio is also taken
 * per round, against the raw case run next to it, to show the spread. Every phase runs in its own child process
 * (storage-worker.ts). The suite reports; it asserts nothing about speed.
 */
import { mkdir, readdir } from "node:fs/promises";
import { join } from "node:path";
import { logStorageDefaults } from "../src/config/limits.js";
import { encodedBatchBytes } from "../src/storage/embedded/batch.js";
import { type ChildRun, runChild } from "./lib/child.js";
import {
  fixed,
  GiB,
  integer,
  markdownTable,
  mebibytes,
  megabytesPerSecond,
  MiB,
  millis,
  percent,
  perSecond,
} from "./lib/format.js";
import { type CacheDrop, dropPageCache } from "./lib/page-cache.js";
import { freeBytes } from "./lib/scratch.js";
import { type LatencySummary, summarizeLatencies } from "./lib/stats.js";
import type { BenchContext, Suite, SuiteReport } from "./suite.js";
import type {
  FileCallCounts,
  LogReadResult,
  LogReadTask,
  LogWriteResult,
  LogWriteTask,
  RawReadTask,
  RawWriteTask,
  ReadResult,
  RecordShape,
  WriteResult,
} from "./storage-worker.js";

const worker = new URL("./storage-worker.js", import.meta.url);

/** 1 KiB records: a 16-byte partition key and a 1,008-byte value; 500 of them per append. */
const records: RecordShape = { recordsPerAppend: 500, keyBytes: 16, valueBytes: 1008 };
const recordDataPerAppend = records.recordsPerAppend * (records.keyBytes + records.valueBytes);
/** What one append puts on disk (the batch with its framing); every raw write is exactly this long. */
const batchBytes = encodedBatchBytes(
  Array.from({ length: records.recordsPerAppend }, () => ({
    key: new Uint8Array(records.keyBytes),
    value: new Uint8Array(records.valueBytes),
  })),
);
/** Concurrent appends, the way a server under load has several requests in flight. */
const inFlight = 8;
const spreadPartitions = 4;
const readLimits = { maxRecords: 10_000, maxBytes: 10 * MiB };
const logName = "bench";
/** Other processes' share of the CPUs from which a phase's numbers are flagged as disturbed. */
const disturbingLoad = 0.15;

const modes = {
  full: { recordDataBytes: 1 * GiB, rounds: 4, maxCaseMs: 120_000, warmupAppends: 32, readRounds: 2 },
  quick: { recordDataBytes: 200 * MiB, rounds: 2, maxCaseMs: 8_000, warmupAppends: 16, readRounds: 2 },
} as const;
type Mode = (typeof modes)[keyof typeof modes];

interface WriteCase {
  readonly id: string;
  readonly label: string;
  readonly kind: "raw" | "log";
  readonly inFlight: number;
  /** Files (raw) or partitions (log) the writes are spread over. */
  readonly spread: number;
  /** The raw case with the same writes in flight over as many files. */
  readonly sameConcurrencyRaw?: string;
  /** Read back afterwards. */
  readonly readBack?: boolean;
}

const rawSequential = "raw-sequential";

const writeCases: readonly WriteCase[] = [
  { id: rawSequential, label: "raw: write + fdatasync, one at a time", kind: "raw", inFlight: 1, spread: 1 },
  { id: "raw-8", label: `raw: ${inFlight} in flight, 1 file`, kind: "raw", inFlight, spread: 1 },
  {
    id: "raw-8x4",
    label: `raw: ${inFlight} in flight, ${spreadPartitions} files`,
    kind: "raw",
    inFlight,
    spread: spreadPartitions,
  },
  {
    id: "log-1",
    label: "Freshet: 1 in flight, 1 partition",
    kind: "log",
    inFlight: 1,
    spread: 1,
    sameConcurrencyRaw: rawSequential,
  },
  {
    id: "log-8",
    label: `Freshet: ${inFlight} in flight, 1 partition`,
    kind: "log",
    inFlight,
    spread: 1,
    sameConcurrencyRaw: "raw-8",
    readBack: true,
  },
  {
    id: "log-8x4",
    label: `Freshet: ${inFlight} in flight, ${spreadPartitions} partitions`,
    kind: "log",
    inFlight,
    spread: spreadPartitions,
    sameConcurrencyRaw: "raw-8x4",
    readBack: true,
  },
];

interface WriteRound {
  readonly round: number;
  readonly operations: number;
  readonly elapsedMs: number;
  readonly operationsPerSecond: number;
  readonly cpuSeconds: number;
  readonly load: ChildRun["load"];
}

type WriteRun = (WriteResult | LogWriteResult) & ChildRun;

interface WriteCaseResult {
  readonly case: WriteCase;
  readonly operations: number;
  readonly elapsedMs: number;
  readonly operationsPerSecond: number;
  readonly recordsPerSecond: number;
  /** Record data (keys + values) per second; for raw writes, what the same bytes carry as a batch. */
  readonly recordMegabytesPerSecond: number;
  readonly diskMegabytesPerSecond: number;
  readonly latency: LatencySummary;
  readonly stoppedByTime: boolean;
  /** Largest over the rounds' processes. */
  readonly peakRssBytes: number;
  readonly startRssBytes: number;
  readonly rounds: WriteRound[];
  /** Largest share of the machine's CPU that other processes used during one of the rounds; null if unknown. */
  readonly othersCpuMax: number | null;
  readonly log: {
    readonly records: number;
    readonly logBytes: number;
    readonly fileCalls: FileCallCounts;
    readonly appendsPerSync: number | null;
    readonly closeMsMax: number;
  } | null;
  /** Against raw sequential and raw at the same concurrency: over all rounds, and the lowest and highest round. */
  readonly vsRawSequential: Ratio | null;
  readonly vsRawSameConcurrency: Ratio | null;
}

interface Ratio {
  readonly overall: number;
  readonly lowestRound: number;
  readonly highestRound: number;
}

interface ReadSide {
  readonly bytes: number;
  readonly elapsedMs: number;
  readonly megabytesPerSecond: number;
  readonly peakRssBytes: number;
  /** Page cache state before each repetition. */
  readonly cache: CacheDrop[];
  readonly othersCpuMax: number | null;
}

interface ReadCaseResult {
  readonly of: string;
  readonly label: string;
  readonly readers: number;
  readonly raw: ReadSide;
  readonly log: ReadSide & { readonly records: number; readonly recordsPerSecond: number; readonly reads: number; readonly openMs: number[] };
  /** Freshet's read throughput over raw's, on the same files. */
  readonly vsRaw: number;
}

export const storageSuite: Suite = {
  name: "storage",
  description: "durable append throughput against the disk's raw fdatasync limit; cold reads",
  run: runStorageSuite,
};

async function runStorageSuite(context: BenchContext): Promise<SuiteReport> {
  const mode: Mode = context.quick ? modes.quick : modes.full;
  const appendsPerRound = Math.ceil(mode.recordDataBytes / recordDataPerAppend / mode.rounds);
  const appends = appendsPerRound * mode.rounds;
  const needed = writeCases.length * appends * batchBytes + 256 * MiB;
  const free = await freeBytes(context.scratchDir);
  if (free < needed) {
    throw new Error(
      `the storage suite needs ${mebibytes(needed)} free in ${context.scratchDir}, there is ${mebibytes(free)}` +
        (context.quick ? "" : " (try --quick)"),
    );
  }

  const roundsByCase = new Map<string, WriteRun[]>(writeCases.map((c) => [c.id, []]));
  for (let round = 0; round < mode.rounds; round++) {
    const order = round % 2 === 0 ? writeCases : [...writeCases].reverse();
    for (const writeCase of order) {
      context.log(`storage: round ${round + 1}/${mode.rounds}: ${writeCase.label} …`);
      const result = await runWrite(context, mode, writeCase, round, appendsPerRound);
      roundsByCase.get(writeCase.id)!.push(result);
      context.log(
        `storage:   ${fixed(megabytesPerSecond(result.operations * recordDataPerAppend, result.elapsedMs))} MB/s` +
          (result.stoppedByTime ? " (stopped by the time limit)" : "") +
          (result.load === null ? "" : `, other processes ${percent(result.load.others)} of the CPUs`),
      );
    }
  }
  const writes = writeCases.map((writeCase) => summarizeWrites(writeCase, roundsByCase));

  const reads: ReadCaseResult[] = [];
  for (const write of writes) {
    if (!write.case.readBack || write.log === null) continue;
    reads.push(await runReads(context, mode, write.case, write.log.records));
  }

  return {
    markdown: renderMarkdown(context.quick, mode, appends, writes, reads),
    data: {
      config: {
        records,
        recordDataPerAppendBytes: recordDataPerAppend,
        batchBytes,
        appendsPerCase: appends,
        rounds: mode.rounds,
        maxCaseMs: mode.maxCaseMs,
        warmupAppendsPerRound: mode.warmupAppends,
        readLimits,
        readRounds: mode.readRounds,
        rawReadChunkBytes: logStorageDefaults.readChunkBytes,
        fsync: "always",
      },
      writes: writes.map(({ case: writeCase, ...result }) => ({ ...writeCase, ...result })),
      reads,
    },
  };
}

async function runWrite(
  context: BenchContext,
  mode: Mode,
  writeCase: WriteCase,
  round: number,
  appends: number,
): Promise<WriteRun> {
  const dir = join(context.scratchDir, writeCase.id);
  await mkdir(dir, { recursive: true });
  const maxMs = mode.maxCaseMs / mode.rounds;
  const nodeArgs = context.childNodeArgs(`${writeCase.id}-round-${round + 1}`);
  if (writeCase.kind === "raw") {
    const task: RawWriteTask = {
      kind: "raw-write",
      dir,
      round,
      files: writeCase.spread,
      inFlight: writeCase.inFlight,
      writeBytes: batchBytes,
      writes: appends,
      maxMs,
    };
    return runChild<WriteResult>(worker, task, nodeArgs);
  }
  const task: LogWriteTask = {
    kind: "log-write",
    dataDir: dir,
    log: logName,
    partitions: writeCase.spread,
    inFlight: writeCase.inFlight,
    records,
    appends,
    warmupAppends: mode.warmupAppends,
    maxMs,
  };
  return runChild<LogWriteResult>(worker, task, nodeArgs);
}

function summarizeWrites(writeCase: WriteCase, roundsByCase: ReadonlyMap<string, WriteRun[]>): WriteCaseResult {
  const results = roundsByCase.get(writeCase.id)!;
  const rate = (r: WriteResult): number => perSecond(r.operations, r.elapsedMs);
  const operations = sum(results.map((r) => r.operations));
  const elapsedMs = sum(results.map((r) => r.elapsedMs));
  const operationsPerSecond = perSecond(operations, elapsedMs);

  const ratio = (rawId: string | undefined): Ratio | null => {
    const raw = rawId === undefined ? undefined : roundsByCase.get(rawId);
    if (writeCase.kind === "raw" || raw === undefined) return null;
    const perRound = results.map((r, i) => rate(r) / rate(raw[i]!));
    const rawOverall = perSecond(sum(raw.map((r) => r.operations)), sum(raw.map((r) => r.elapsedMs)));
    return { overall: operationsPerSecond / rawOverall, lowestRound: Math.min(...perRound), highestRound: Math.max(...perRound) };
  };

  const logResults = results.filter((r): r is LogWriteResult & ChildRun => "fileCalls" in r);
  let log: WriteCaseResult["log"] = null;
  if (logResults.length > 0) {
    const fileCalls = {
      datasync: sum(logResults.map((r) => r.fileCalls.datasync)),
      writev: sum(logResults.map((r) => r.fileCalls.writev)),
      write: sum(logResults.map((r) => r.fileCalls.write)),
      durableWrites: sum(logResults.map((r) => r.fileCalls.durableWrites)),
    };
    const syncs = fileCalls.datasync + fileCalls.durableWrites;
    log = {
      records: sum(logResults.map((r) => r.records)),
      logBytes: sum(logResults.map((r) => r.logBytes)),
      fileCalls,
      appendsPerSync: syncs === 0 ? null : operations / syncs,
      closeMsMax: Math.max(...logResults.map((r) => r.closeMs)),
    };
  }

  return {
    case: writeCase,
    operations,
    elapsedMs,
    operationsPerSecond,
    recordsPerSecond: operationsPerSecond * records.recordsPerAppend,
    recordMegabytesPerSecond: (operationsPerSecond * recordDataPerAppend) / 1e6,
    diskMegabytesPerSecond: (operationsPerSecond * batchBytes) / 1e6,
    latency: summarizeLatencies(results.flatMap((r) => r.latenciesMs)),
    stoppedByTime: results.some((r) => r.stoppedByTime),
    peakRssBytes: Math.max(...results.map((r) => r.peakRssBytes)),
    startRssBytes: Math.max(...results.map((r) => r.startRssBytes)),
    rounds: results.map((r, round) => ({
      round: round + 1,
      operations: r.operations,
      elapsedMs: r.elapsedMs,
      operationsPerSecond: rate(r),
      cpuSeconds: r.cpuSeconds,
      load: r.load,
    })),
    othersCpuMax: othersMax(results),
    log,
    vsRawSequential: ratio(rawSequential),
    vsRawSameConcurrency: ratio(writeCase.sameConcurrencyRaw),
  };
}

/** Reads a written store back, raw and through Freshet, each in a fresh process after evicting the page cache. */
async function runReads(context: BenchContext, mode: Mode, writeCase: WriteCase, expectedRecords: number): Promise<ReadCaseResult> {
  const dataDir = join(context.scratchDir, writeCase.id);
  const groups = await segmentFiles(dataDir, logName, writeCase.spread);
  const files = groups.flat();
  const evict = (): CacheDrop => dropPageCache([...files, ...files.map((file) => file.replace(/\.log$/, ".index"))]);
  const label = `${writeCase.spread} partition${writeCase.spread === 1 ? "" : "s"}`;
  const raw: Array<ReadResult & ChildRun & { cache: CacheDrop }> = [];
  const log: Array<LogReadResult & ChildRun & { cache: CacheDrop }> = [];

  const readRaw = async (repetition: number): Promise<void> => {
    context.log(`storage: cold read, ${label}, raw …`);
    const cache = evict();
    const task: RawReadTask = { kind: "raw-read", groups, chunkBytes: logStorageDefaults.readChunkBytes };
    const result = await runChild<ReadResult>(worker, task, context.childNodeArgs(`${writeCase.id}-raw-read-${repetition}`));
    raw.push({ ...result, cache });
    context.log(`storage:   ${fixed(megabytesPerSecond(result.bytes, result.elapsedMs))} MB/s of file bytes`);
  };
  const readLog = async (repetition: number): Promise<void> => {
    context.log(`storage: cold read, ${label}, Freshet …`);
    const cache = evict();
    const task: LogReadTask = { kind: "log-read", dataDir, log: logName, ...readLimits, expectedRecords };
    const result = await runChild<LogReadResult>(worker, task, context.childNodeArgs(`${writeCase.id}-read-${repetition}`));
    log.push({ ...result, cache });
    context.log(`storage:   ${fixed(megabytesPerSecond(result.bytes, result.elapsedMs))} MB/s of record data`);
  };
  for (let repetition = 1; repetition <= mode.readRounds; repetition++) {
    if (repetition % 2 === 1) {
      await readRaw(repetition);
      await readLog(repetition);
    } else {
      await readLog(repetition);
      await readRaw(repetition);
    }
  }

  const side = (results: Array<ReadResult & ChildRun & { cache: CacheDrop }>): ReadSide => {
    const bytes = sum(results.map((r) => r.bytes));
    const elapsedMs = sum(results.map((r) => r.elapsedMs));
    return {
      bytes,
      elapsedMs,
      megabytesPerSecond: megabytesPerSecond(bytes, elapsedMs),
      peakRssBytes: Math.max(...results.map((r) => r.peakRssBytes)),
      cache: results.map((r) => r.cache),
      othersCpuMax: othersMax(results),
    };
  };
  const rawSide = side(raw);
  const logSide = side(log);
  const logRecords = sum(log.map((r) => r.records));
  return {
    of: writeCase.id,
    label,
    readers: writeCase.spread,
    raw: rawSide,
    log: {
      ...logSide,
      records: logRecords,
      recordsPerSecond: perSecond(logRecords, logSide.elapsedMs),
      reads: sum(log.map((r) => r.reads)),
      openMs: log.map((r) => r.openMs),
    },
    // Both sides read the same files the same number of times: throughput ratio is the inverse ratio of times.
    vsRaw: rawSide.elapsedMs / logSide.elapsedMs,
  };
}

function renderMarkdown(
  quick: boolean,
  mode: Mode,
  appends: number,
  writes: readonly WriteCaseResult[],
  reads: readonly ReadCaseResult[],
): string {
  const othersCpu = (value: number | null): string =>
    value === null ? "?" : `${percent(value)}${value >= disturbingLoad ? " ⚠" : ""}`;
  const ratio = (value: Ratio | null): string =>
    value === null ? "—" : `${percent(value.overall)} (${percent(value.lowestRound)}–${percent(value.highestRound)})`;
  const writeRows = writes.map((w) => [
    w.case.label + (w.stoppedByTime ? " ⏱" : ""),
    integer(w.operationsPerSecond),
    integer(w.recordsPerSecond),
    fixed(w.recordMegabytesPerSecond),
    millis(w.latency.p50Ms),
    millis(w.latency.p99Ms),
    ratio(w.vsRawSequential),
    ratio(w.vsRawSameConcurrency),
    w.log?.appendsPerSync == null ? "—" : fixed(w.log.appendsPerSync, 2),
    mebibytes(w.peakRssBytes),
    othersCpu(w.othersCpuMax),
  ]);

  const recordShare = recordDataPerAppend / batchBytes;
  const cached = (caches: readonly CacheDrop[]): string => {
    const methods = [...new Set(caches.map((c) => c.method))].join("/");
    const resident = caches.map((c) => c.residentAfter).filter((r): r is number => r !== null);
    return resident.length === 0 ? methods : `${methods}, ≤ ${percent(Math.max(...resident))} cached`;
  };
  const readRows = reads.flatMap((read) => [
    [
      `raw fs.read, ${read.label}`,
      String(read.readers),
      integer(((read.raw.bytes / batchBytes) * records.recordsPerAppend) / (read.raw.elapsedMs / 1000)),
      fixed(read.raw.megabytesPerSecond * recordShare),
      "—",
      "—",
      cached(read.raw.cache),
      mebibytes(read.raw.peakRssBytes),
      othersCpu(read.raw.othersCpuMax),
    ],
    [
      `Freshet store.read, ${read.label}`,
      String(read.readers),
      integer(read.log.recordsPerSecond),
      fixed(read.log.megabytesPerSecond),
      percent(read.vsRaw),
      read.log.openMs.map(millis).join(", "),
      cached(read.log.cache),
      mebibytes(read.log.peakRssBytes),
      othersCpu(read.log.othersCpuMax),
    ],
  ]);

  const logWrites = writes.filter((w) => w.case.kind === "log");
  const shortLabel = (w: WriteCaseResult): string => w.case.label.replace(/^Freshet: /, "");
  const headline = logWrites.map((w) => `${shortLabel(w)}: **${percent(w.vsRawSequential?.overall ?? 0)}**`).join("; ");
  const stopped = writes.filter((w) => w.stoppedByTime).map((w) => w.case.label);
  const cacheNotes = [...new Set(reads.flatMap((r) => [...r.raw.cache, ...r.log.cache].flatMap((c) => c.notes)))];
  const threads = process.env["UV_THREADPOOL_SIZE"] ?? "4";
  const disturbed = [...writes.map((w) => w.othersCpuMax), ...reads.flatMap((r) => [r.raw.othersCpuMax, r.log.othersCpuMax])]
    .some((value) => value !== null && value >= disturbingLoad);
  const otherLoadNote =
    "- Other CPU load: the largest share of all CPUs' time used by anything but the phase's own process during one " +
    "run of it: other programs, and the kernel's writeback and journal threads (a VM's steal time is not counted)." +
    (disturbed
      ? ` ⚠ marks ${percent(disturbingLoad)} or more: something else was busy on this machine, and those numbers are disturbed.`
      : "");

  return [
    "## Storage: durable appends and cold reads",
    "",
    `Each append is one batch of ${records.recordsPerAppend} records of 1 KiB (${records.keyBytes}-byte key + ` +
      `${integer(records.valueBytes)}-byte value): ${integer(recordDataPerAppend)} bytes of record data, ` +
      `${integer(batchBytes)} bytes on disk with the batch framing; every raw write is exactly those ${integer(batchBytes)} ` +
      `bytes. Freshet runs with fsync "always": an append is acknowledged once durable (after an fdatasync, or an O_DSYNC write). ` +
      `${integer(appends)} appends or writes per case (${mebibytes(appends * recordDataPerAppend)} of record data) in ` +
      `${mode.rounds} interleaved rounds (ABBA order), at most ${integer(mode.maxCaseMs / 1000)} s per case. ` +
      `MB = 10^6 bytes.${quick ? " Quick run: small sizes, expect noise." : ""}`,
    "",
    `Freshet against the raw sequential limit (target ≥ 70%): ${headline}.`,
    "",
    "### Writes",
    "",
    markdownTable(
      [
        { title: "Case" },
        { title: "Writes/s", align: "right" },
        { title: "Records/s", align: "right" },
        { title: "MB/s", align: "right" },
        { title: "p50 ms", align: "right" },
        { title: "p99 ms", align: "right" },
        { title: "vs raw sequential (rounds)", align: "right" },
        { title: "vs raw, same concurrency (rounds)", align: "right" },
        { title: "Appends per sync", align: "right" },
        { title: "Peak RSS", align: "right" },
        { title: "Other CPU load", align: "right" },
      ],
      writeRows,
    ),
    "",
    "- Writes/s counts appends for Freshet. Records/s and MB/s are record data (keys + values); for raw rows, the " +
      "record data the same bytes carry in a batch. Ratios: over all rounds, then the lowest and highest single " +
      "round against the raw case run in the same round.",
    "- **Raw sequential** is the reference: plain sequential writes of the same bytes, each followed by fdatasync, " +
      "one at a time, to one file (positional writes through Node's fs, as the store's).",
    `- **Raw, ${inFlight} in flight** is the fair comparison for pipelined appends: ${inFlight} loops each doing ` +
      "write + fdatasync of their own region at once (over the given number of files), so the kernel and the disk may " +
      `overlap and merge them. All fs calls run on libuv's thread pool (${threads} threads here), ` +
      "which caps how many are in the kernel at once, for the store as for the raw loops.",
    "- Latency is from the call to its acknowledgement (durable). Appends per sync: appends acknowledged per " +
      "fdatasync or O_DSYNC write the store issued (its group commit; 1 means no grouping).",
    `- Peak RSS is the writing process's maximum resident set, Node included (${mebibytes(appends * recordDataPerAppend / mode.rounds)} ` +
      "written per process); RSS when measuring started: " +
      logWrites.map((w) => `${shortLabel(w)} ${mebibytes(w.startRssBytes)}`).join(", ") +
      ".",
    ...(stopped.length === 0 ? [] : [`- ⏱ stopped at the time limit before all its writes: ${stopped.join(", ")}.`]),
    otherLoadNote,
    "",
    "### Cold reads",
    "",
    markdownTable(
      [
        { title: "Case" },
        { title: "Readers", align: "right" },
        { title: "Records/s", align: "right" },
        { title: "MB/s", align: "right" },
        { title: "vs raw", align: "right" },
        { title: "Store open ms", align: "right" },
        { title: "Page cache before", align: "right" },
        { title: "Peak RSS", align: "right" },
        { title: "Other CPU load", align: "right" },
      ],
      readRows,
    ),
    "",
    `- The data of the Freshet ${inFlight}-in-flight cases, read ${mode.readRounds} times each way (ABBA order), ` +
      "every read in a fresh process. Freshet reads every partition from its start with store.read, " +
      `${integer(readLimits.maxRecords)} records / ${mebibytes(readLimits.maxBytes)} a page, one reader per partition, ` +
      "checking that offsets are contiguous and complete. Raw reads the same segment files sequentially with " +
      `fs read into one reused ${mebibytes(logStorageDefaults.readChunkBytes)} buffer (Freshet's read chunk size), one ` +
      "reader per partition; its records/s and MB/s are those of the record data in the bytes it read.",
    "- Page cache before: how it was evicted (drop_caches: `sync` + write 3 to /proc/sys/vm/drop_caches; fadvise: " +
      "posix_fadvise DONTNEED per file through `dd iflag=nocache`; none: not possible) and how much of the files " +
      "`fincore` still found cached. A VM host may cache the disk image underneath regardless." +
      (cacheNotes.length === 0 ? "" : ` Not available here: ${cacheNotes.join("; ")}.`),
    "- Store open ms: opening the store (recovering each partition's active segment tail) before the first read, each repetition.",
    otherLoadNote,
  ].join("\n");
}

/** The `.log` segment files of each partition of a store's log, in offset order. */
async function segmentFiles(dataDir: string, log: string, partitions: number): Promise<string[][]> {
  const groups: string[][] = [];
  for (let p = 0; p < partitions; p++) {
    const dir = join(dataDir, "logs", log, String(p));
    const names = (await readdir(dir)).filter((name) => name.endsWith(".log")).sort();
    groups.push(names.map((name) => join(dir, name)));
  }
  return groups;
}

function othersMax(runs: readonly ChildRun[]): number | null {
  const loads = runs.flatMap((run) => (run.load === null ? [] : [run.load.others]));
  return loads.length === 0 ? null : Math.max(...loads);
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
