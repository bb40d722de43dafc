/**
 * Kinesis suite: Freshet side by side with its peers — kinesalite and kinesis-mock — and with the floor, a bare
 * node:http endpoint that only parses the protocol (kinesis-floor.ts), all driven by the same AWS SDK v3 client.
 *
 * Every server runs in its own child process on a free loopback port (kinesis-servers.ts); the load generator runs in
 * another (kinesis-load.ts), so it never shares a thread with a server. Per server and protocol, one fresh server:
 *
 *  1. PutRecords of 500 records of 1 KiB, then of 100 B, 8 requests in flight, for a fixed time (after a warm-up);
 *  2. GetRecords read-back of everything written, every shard from TRIM_HORIZON (not the floor: it stores nothing);
 *  3. single PutRecord latency, one call at a time;
 *  4. creating streams of 10 shards, waiting until all are ACTIVE, and writing a record to every shard;
 *  5. the server's peak RSS (VmHWM) after (1–2) and at the end, and its CPU time.
 *
 * Then SubscribeToShard put → event latency (Freshet, and kinesis-mock; kinesalite has no enhanced fan-out); and a store
 * with N records retained (full: 10 M records of 512 B, about 5 GB): RSS after writing them, and restart time from
 * spawn to the listening line. The suite reports; it asserts nothing about speed.
 */
import { execFileSync } from "node:child_process";
import { mkdir, readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { type ChildRun, runChild } from "./lib/child.js";
import { fixed, GiB, integer, markdownTable, mebibytes, megabytesPerSecond, millis, percent, perSecond, signedPercent } from "./lib/format.js";
import { freeBytes } from "./lib/scratch.js";
import { type LatencySummary, summarizeLatencies } from "./lib/stats.js";
import type {
  HttpVersion,
  LatencyResult,
  LoadStep,
  PutRecordsResult,
  ReadBackResult,
  SequenceTask,
  StepLoad,
  StepOutcome,
  StreamsResult,
  SubscribeResult,
} from "./kinesis-load.js";
import { type ProcessMemory, type RunningServer, type ServerKind, startServer } from "./kinesis-servers.js";
import type { BenchContext, Suite, SuiteReport } from "./suite.js";

const loadScript = new URL("./kinesis-load.js", import.meta.url);
/** The AWS SDK warns on every start that it will soon need Node 22: noise on stderr. */
const loadNodeArgs = ["--no-warnings"];

const recordsPerRequest = 500;
const concurrency = 8;
const keyBytes = 16;
const throughputShards = 4;
/**
 * A wide stream: each PutRecords spreads its records over this many shards, so the per-shard cost of a write (one
 * durable write per shard touched) shows, where the main PutRecords phases spread them over `throughputShards`.
 */
const wideShards = 64;
const wideDataBytes = 100;
const shardsPerStream = 10;
const getRecordsLimit = 10_000;
const disturbingLoad = 0.15;

/** Whether other work or the hypervisor took a large share of the CPUs during a phase (not when unknown). */
/** Latency phases start with calls that are not counted: both processes' JIT compiling the call's path. */
function warmup(ms: number): string {
  return `${fixed(ms / 1000)} s of the same calls not counted (JIT warm-up of server and client)`;
}

function isDisturbed(load: StepLoad | null): boolean {
  return load !== null && (load.others >= disturbingLoad || load.steal >= disturbingLoad);
}

const sizes = [
  { id: "1k", label: "1 KiB", dataBytes: 1024 },
  { id: "100b", label: "100 B", dataBytes: 100 },
] as const;
type SizeId = (typeof sizes)[number]["id"];

const modes = {
  full: {
    putWarmupMs: 1_000,
    putMs: 5_000,
    putRounds: 6,
    slowPutRounds: 2,
    widePutMs: 15_000,
    readMaxMs: 120_000,
    singleWarmupMs: 5_000,
    singleCount: 2_000,
    streams: 100,
    subscribeWarmupMs: 5_000,
    subscribeCount: 1_000,
    slowSubscribeCount: 50,
    retainedRecords: 10_000_000,
    retainedDataBytes: 512,
    retainedMaxMs: 720_000,
    restarts: 3,
  },
  quick: {
    putWarmupMs: 200,
    putMs: 1_000,
    putRounds: 1,
    slowPutRounds: 1,
    widePutMs: 500,
    readMaxMs: 3_000,
    singleWarmupMs: 300,
    singleCount: 100,
    streams: 10,
    subscribeWarmupMs: 300,
    subscribeCount: 50,
    slowSubscribeCount: 4,
    retainedRecords: 30_000,
    retainedDataBytes: 512,
    retainedMaxMs: 15_000,
    restarts: 2,
  },
} as const;
type Mode = (typeof modes)[keyof typeof modes];

interface Target {
  readonly id: string;
  readonly server: ServerKind;
  readonly http: HttpVersion;
  readonly label: string;
  /** So slow that a quick run sends only one round of requests (one per worker, no warm-up) to keep under its budget. */
  readonly slow?: boolean;
  /** Only the write phases (PutRecords, single PutRecord): for servers that keep nothing worth reading back. */
  readonly writesOnly?: boolean;
  /** For a Freshet run other than the default: more `freshet serve` arguments. */
  readonly freshetArgs?: readonly string[];
}

/**
 * Each floor sits next to the Freshet it is compared with (before it, or after it in a reversed round), so that a
 * drifting machine (shared disks and CPUs do drift) skews their ratio least.
 */
const targets: readonly Target[] = [
  { id: "floor-h2", server: "floor", http: "h2", label: "floor, HTTP/2 (h2c)", writesOnly: true },
  { id: "freshet-h2", server: "freshet", http: "h2", label: "Freshet, HTTP/2" },
  { id: "kinesalite", server: "kinesalite", http: "http1", label: "kinesalite, HTTP/1.1" },
  { id: "floor-http1", server: "floor", http: "http1", label: "floor, HTTP/1.1", writesOnly: true },
  { id: "freshet-http1", server: "freshet", http: "http1", label: "Freshet, HTTP/1.1" },
  // Not durable, so not a contender: it tells the disk's share of the gap to the floor from the server's.
  {
    id: "freshet-http1-fsync-never",
    server: "freshet",
    http: "http1",
    label: "Freshet, HTTP/1.1, fsync never (not durable)",
    writesOnly: true,
    freshetArgs: ["--fsync", "never"],
  },
  { id: "kinesis-mock", server: "kinesis-mock", http: "http1", label: "kinesis-mock, HTTP/1.1", slow: true },
];

interface PutSummary {
  readonly requests: number;
  readonly records: number;
  readonly recordsPerSecond: number;
  readonly megabytesPerSecond: number;
  readonly latency: LatencySummary;
  readonly errors: number;
  readonly failedRecords: number;
  readonly firstError: string | null;
  readonly totalRecords: number;
  readonly load: StepLoad | null;
  /** Each round's records/s, in round order (absent from runs saved before rounds were reported). */
  readonly roundRecordsPerSecond?: number[];
}

interface ReadSummary {
  readonly records: number;
  readonly expectedRecords: number;
  readonly recordsPerSecond: number;
  readonly megabytesPerSecond: number;
  readonly calls: number;
  readonly callLatency: LatencySummary;
  readonly complete: boolean;
  readonly stoppedByTime: boolean;
  readonly load: StepLoad | null;
}

interface TargetResult {
  readonly target: Target;
  readonly version: string;
  readonly startMs: number;
  readonly put: Record<SizeId, PutSummary>;
  /** PutRecords of 100 B records on a `wideShards`-shard stream; absent from runs made before it was measured. */
  readonly wide?: PutSummary;
  readonly read: Record<SizeId, ReadSummary> | null;
  readonly single: { readonly latency: LatencySummary; readonly errors: number; readonly firstError: string | null };
  readonly streams: (StreamsResult & { readonly load: StepLoad | null }) | null;
  /** Server memory after the throughput and read-back steps, and at the end. */
  readonly memoryAfterThroughput: ProcessMemory | null;
  readonly memoryAtEnd: ProcessMemory | null;
  readonly serverCpuSeconds: number | null;
  readonly loadGeneratorCpuSeconds: number;
}

interface SubscribeSummary {
  readonly target: Target;
  readonly version: string;
  readonly latency: LatencySummary;
  readonly putLatency: LatencySummary;
  readonly errors: number;
  readonly firstError: string | null;
}

interface RetainedSummary {
  readonly records: number;
  readonly dataBytes: number;
  readonly diskBytes: number;
  readonly writeRecordsPerSecond: number;
  readonly writeMegabytesPerSecond: number;
  readonly memoryAfterWrite: ProcessMemory | null;
  readonly stopMs: number;
  readonly restartMs: number[];
  readonly memoryAfterRestart: ProcessMemory[];
  readonly stoppedByTime: boolean;
  readonly load: StepLoad | null;
  /** The server's RSS as the records were written, every tenth of them (runs before 2026-12-07 lack it). */
  readonly rssWhileWriting?: PutRecordsResult["serverRss"];
}

/** How far RSS rose over the write's second half, as a fraction of where it stood halfway: 0 is flat. */
function secondHalfGrowth(samples: NonNullable<PutRecordsResult["serverRss"]>): number | null {
  const last = samples.at(-1);
  if (last === undefined) return null;
  const half = samples.find((sample) => sample.records >= last.records / 2)!;
  return half === last ? null : (last.rssBytes - half.rssBytes) / half.rssBytes;
}

/** "Flat": RSS rose by at most this much over the second half of the write. */
const flatRssGrowth = 0.1;

export const kinesisSuite: Suite = {
  name: "kinesis",
  description: "Freshet beside kinesalite, kinesis-mock and a protocol-only floor, through the AWS SDK",
  run: runKinesisSuite,
  render: (data, quick) => {
    const saved = data as SavedKinesisData;
    return renderMarkdown(quick, saved.config, saved.versions, saved.targets, saved.subscribe, saved.retained);
  },
};

/** The JSON data of a run, as runKinesisSuite returns it. */
interface SavedKinesisData {
  readonly config: Mode;
  readonly versions: Record<ServerKind, string>;
  readonly targets: TargetResult[];
  readonly subscribe: SubscribeSummary[];
  readonly retained: RetainedSummary;
}

async function runKinesisSuite(context: BenchContext): Promise<SuiteReport> {
  const mode: Mode = context.quick ? modes.quick : modes.full;
  const retainedBytesNeeded = mode.retainedRecords * (mode.retainedDataBytes + keyBytes) * 1.2 + GiB;
  const free = await freeBytes(context.scratchDir);
  if (free < retainedBytesNeeded) {
    throw new Error(`the kinesis suite needs ${mebibytes(retainedBytesNeeded)} free, there is ${mebibytes(free)}`);
  }
  const versions = await peerVersions(context.projectRoot);

  const results: TargetResult[] = [];
  const subscribes: SubscribeSummary[] = [];
  // Every server stays up through the PutRecords rounds: round by round, in ABBA order, each gets the same load,
  // so that what the machine does meanwhile (shared disks and CPUs drift) falls on all of them alike.
  const servers = new Map<string, RunningServer>();
  try {
    for (const target of targets) {
      const dir = join(context.scratchDir, target.id);
      await mkdir(dir, { recursive: true });
      servers.set(
        target.id,
        await startServer(target.server, {
          dir,
          nodeArgs: context.childNodeArgs(`${target.id}-server`),
          h2: target.http === "h2",
          shardLimit: mode.streams * shardsPerStream + 100,
          ...(target.freshetArgs === undefined ? {} : { freshetArgs: target.freshetArgs }),
        }),
      );
    }
    const puts = new Map<string, TargetPuts>(targets.map((t) => [t.id, { bySize: { "1k": [], "100b": [] }, cpuSeconds: 0 }]));
    for (let round = 0; round < mode.putRounds; round++) {
      for (const size of sizes) {
        for (const target of round % 2 === 0 ? targets : [...targets].reverse()) {
          if (target.slow === true && round >= mode.slowPutRounds) continue;
          context.log(`kinesis: PutRecords ${size.label} round ${round + 1} of ${mode.putRounds}: ${target.label} …`);
          const server = servers.get(target.id)!;
          const load = { stream: `bench-${size.id}`, shards: throughputShards, dataBytes: size.dataBytes, durationMs: mode.putMs };
          const outcome = await runSequence(context, `${target.id}-put-${size.id}-${round + 1}`, server, [putStep(context, mode, target, server, load)]);
          const targetPuts = puts.get(target.id)!;
          targetPuts.bySize[size.id].push(outcome[0] as StepOutcome<PutRecordsResult>);
          targetPuts.cpuSeconds += outcome.cpuSeconds;
        }
      }
    }
    for (const target of targets) {
      context.log(`kinesis: ${target.label} …`);
      const targetStart = performance.now();
      const server = servers.get(target.id)!;
      try {
        const result = await runTarget(context, mode, target, server, versions[target.server], puts.get(target.id)!);
        results.push(result);
        context.log(
          `kinesis:   PutRecords ${sizes.map((s) => `${s.label} ${integer(result.put[s.id].recordsPerSecond)} records/s`).join(", ")}` +
            (result.read === null ? "" : `; read-back ${integer(result.read["1k"].recordsPerSecond)} records/s`) +
            `; PutRecord p99 ${millis(result.single.latency.p99Ms)} ms (${fixed((performance.now() - targetStart) / 1000, 1)} s)`,
        );
        if (target.id === "freshet-h2" || target.id === "kinesis-mock") {
          context.log(`kinesis: ${target.label}: SubscribeToShard …`);
          const subscribe = await runSubscribe(context, mode, target, server, versions[target.server]);
          subscribes.push(subscribe);
          context.log(`kinesis:   p50 ${millis(subscribe.latency.p50Ms)} ms, p99 ${millis(subscribe.latency.p99Ms)} ms`);
        }
      } finally {
        servers.delete(target.id);
        await server.stop();
      }
    }
  } finally {
    for (const server of servers.values()) await server.stop();
  }

  context.log(`kinesis: Freshet with ${integer(mode.retainedRecords)} records retained …`);
  const retained = await runRetained(context, mode);
  context.log(
    `kinesis:   RSS ${mebibytes(retained.memoryAfterWrite?.rssBytes ?? 0)}, restart ${retained.restartMs.map(millis).join(", ")} ms`,
  );

  const config = {
    recordsPerRequest,
    concurrency,
    partitionKeyBytes: keyBytes,
    sizes,
    throughputShards,
    wideShards,
    getRecordsLimit,
    shardsPerStream,
    ...mode,
    freshet: "freshet serve --limits off, fsync always (default), durable data directory",
    kinesalite: "LevelDB on disk (--path), createStreamMs/deleteStreamMs/updateStreamMs 0",
    kinesisMock: "kinesis-local (Scala.js build on Node), in memory (SHOULD_PERSIST_DATA false), *_DURATION 0ms",
  };
  const data = {
    config,
    versions,
    targets: results,
    subscribe: subscribes,
    retained,
    ratios: ratios(results),
  } satisfies SavedKinesisData & Record<string, unknown>;
  return { markdown: renderMarkdown(context.quick, mode, versions, results, subscribes, retained), data };
}

async function peerVersions(projectRoot: string): Promise<Record<ServerKind, string>> {
  const version = async (name: string): Promise<string> => {
    try {
      const path = createRequire(join(projectRoot, "package.json")).resolve(`${name}/package.json`);
      return (JSON.parse(await readFile(path, "utf8")) as { version: string }).version;
    } catch {
      return "?";
    }
  };
  const freshet = (JSON.parse(await readFile(join(projectRoot, "package.json"), "utf8")) as { version: string }).version;
  return { freshet, kinesalite: await version("kinesalite"), "kinesis-mock": await version("kinesis-local"), floor: "—" };
}

async function runSequence(context: BenchContext, phase: string, server: RunningServer, steps: LoadStep[]): Promise<StepOutcome[] & { cpuSeconds: number }> {
  const task: SequenceTask = { kind: "sequence", steps, serverPid: server.pid };
  const result = await runChild<{ outcomes: StepOutcome[] }>(loadScript, task, [...loadNodeArgs, ...context.childNodeArgs(phase)]);
  return Object.assign(result.outcomes, { cpuSeconds: result.cpuSeconds });
}

/** A server's PutRecords rounds at each record size, and the load generator's CPU time over all of them. */
interface TargetPuts {
  readonly bySize: Record<SizeId, Array<StepOutcome<PutRecordsResult>>>;
  cpuSeconds: number;
}

function putStep(
  context: BenchContext,
  mode: Mode,
  target: Target,
  server: RunningServer,
  load: { stream: string; shards: number; dataBytes: number; durationMs: number },
): LoadStep {
  const oneRound = context.quick && target.slow === true;
  return {
    endpoint: server.endpoint,
    http: target.http,
    kind: "put-records",
    ...load,
    recordsPerRequest,
    keyBytes,
    concurrency,
    warmupMs: oneRound ? 0 : mode.putWarmupMs,
    ...(oneRound ? { maxRecords: concurrency * recordsPerRequest } : {}),
  };
}

async function runTarget(
  context: BenchContext,
  mode: Mode,
  target: Target,
  server: RunningServer,
  version: string,
  puts: TargetPuts,
): Promise<TargetResult> {
  const common = { endpoint: server.endpoint, http: target.http };
  const put = Object.fromEntries(sizes.map((size) => [size.id, summarizePut(puts.bySize[size.id], size.dataBytes)])) as Record<SizeId, PutSummary>;

  let read: Record<SizeId, ReadSummary> | null = null;
  // The last size's last round is the last PutRecords this server took.
  let memoryAfterThroughput = puts.bySize[sizes.at(-1)!.id].at(-1)?.serverMemory ?? null;
  // The wide stream first, while the server holds no more than the PutRecords rounds left it.
  const steps: LoadStep[] = [
    putStep(context, mode, target, server, { stream: "bench-wide", shards: wideShards, dataBytes: wideDataBytes, durationMs: mode.widePutMs }),
  ];
  const firstRead = steps.length;
  if (target.writesOnly !== true) {
    for (const size of sizes) {
      steps.push({
        ...common,
        kind: "read-back",
        stream: `bench-${size.id}`,
        expectedRecords: put[size.id].totalRecords,
        limit: getRecordsLimit,
        maxMs: mode.readMaxMs,
      });
    }
  }
  const afterReads = steps.length;
  steps.push({ ...common, kind: "put-record", stream: "single", dataBytes: 100, warmupMs: mode.singleWarmupMs, count: mode.singleCount });
  if (target.writesOnly !== true) {
    steps.push({
      ...common,
      kind: "streams",
      prefix: "many",
      streams: mode.streams,
      shardsPerStream,
      concurrency,
      maxMs: context.quick ? 30_000 : 300_000,
    });
  }
  const rest = await runSequence(context, `${target.id}-rest`, server, steps);
  const wide = summarizePut([rest[0] as StepOutcome<PutRecordsResult>], wideDataBytes);
  if (afterReads > firstRead) {
    read = Object.fromEntries(
      sizes.map((size, i) => [size.id, summarizeRead(rest[firstRead + i] as StepOutcome<ReadBackResult>, put[size.id].totalRecords)]),
    ) as Record<SizeId, ReadSummary>;
  }
  memoryAfterThroughput = rest[afterReads - 1]?.serverMemory ?? memoryAfterThroughput;
  const singleOutcome = rest[afterReads] as StepOutcome<LatencyResult>;
  const streamsOutcome = target.writesOnly === true ? null : (rest[afterReads + 1] as StepOutcome<StreamsResult>);
  const last = rest.at(-1)!;
  return {
    target,
    version,
    startMs: server.startMs,
    put,
    wide,
    read,
    single: {
      latency: summarizeLatencies(singleOutcome.result.latenciesMs),
      errors: singleOutcome.result.errors,
      firstError: singleOutcome.result.firstError,
    },
    streams: streamsOutcome === null ? null : { ...streamsOutcome.result, load: streamsOutcome.load },
    memoryAfterThroughput,
    memoryAtEnd: last.serverMemory,
    serverCpuSeconds: last.serverCpuSeconds,
    loadGeneratorCpuSeconds: puts.cpuSeconds + rest.cpuSeconds,
  };
}

/** The rounds as one run: records over the time they took, every latency, CPU shares weighted by duration. */
function summarizePut(rounds: ReadonlyArray<StepOutcome<PutRecordsResult>>, dataBytes: number): PutSummary {
  const results = rounds.map((round) => round.result);
  const sum = (of: (r: PutRecordsResult) => number): number => results.reduce((total, r) => total + of(r), 0);
  const records = sum((r) => r.records);
  const elapsedMs = sum((r) => r.elapsedMs);
  return {
    requests: sum((r) => r.requests),
    records,
    recordsPerSecond: perSecond(records, elapsedMs),
    megabytesPerSecond: megabytesPerSecond(records * dataBytes, elapsedMs),
    latency: summarizeLatencies(results.flatMap((r) => r.latenciesMs)),
    errors: sum((r) => r.errors),
    failedRecords: sum((r) => r.failedRecords),
    firstError: results.find((r) => r.firstError !== null)?.firstError ?? null,
    totalRecords: sum((r) => r.totalRecords),
    load: weightedLoad(rounds.map((round) => ({ load: round.load, weight: round.result.elapsedMs }))),
    roundRecordsPerSecond: results.map((r) => perSecond(r.records, r.elapsedMs)),
  };
}

function weightedLoad(parts: ReadonlyArray<{ load: StepLoad | null; weight: number }>): StepLoad | null {
  const known = parts.filter((part): part is { load: StepLoad; weight: number } => part.load !== null);
  const total = known.reduce((sum, part) => sum + part.weight, 0);
  if (known.length === 0 || total === 0) return null;
  const share = (of: (load: StepLoad) => number): number => known.reduce((sum, part) => sum + of(part.load) * part.weight, 0) / total;
  return {
    machineBusy: share((l) => l.machineBusy),
    server: share((l) => l.server),
    loadGenerator: share((l) => l.loadGenerator),
    others: share((l) => l.others),
    steal: share((l) => l.steal),
  };
}

function summarizeRead(outcome: StepOutcome<ReadBackResult>, expectedRecords: number): ReadSummary {
  const r = outcome.result;
  const dataBytes = r.bytes - r.records * keyBytes;
  return {
    records: r.records,
    expectedRecords,
    recordsPerSecond: perSecond(r.records, r.elapsedMs),
    megabytesPerSecond: megabytesPerSecond(dataBytes, r.elapsedMs),
    calls: r.calls,
    callLatency: summarizeLatencies(r.latenciesMs),
    complete: r.complete,
    stoppedByTime: r.stoppedByTime,
    load: outcome.load,
  };
}

/**
 * The records/s the load generator could read with every core to itself, at the CPU per record it spent here: its
 * rate over its share of all CPUs' time. Read-back is bound by the SDK's decoding, so this caps the rate at which
 * this server's answers can be read on this machine, however little the server costs.
 */
function loadGeneratorCeiling(read: ReadSummary): number | null {
  return read.load === null || read.load.loadGenerator <= 0 ? null : read.recordsPerSecond / read.load.loadGenerator;
}

async function runSubscribe(
  context: BenchContext,
  mode: Mode,
  target: Target,
  server: RunningServer,
  version: string,
): Promise<SubscribeSummary> {
  const slow = target.slow === true;
  const [outcome] = await runSequence(context, `${target.id}-subscribe`, server, [
    {
      endpoint: server.endpoint,
      http: target.http,
      kind: "subscribe",
      stream: "fan-out",
      dataBytes: 100,
      warmupMs: mode.subscribeWarmupMs,
      count: slow ? mode.slowSubscribeCount : mode.subscribeCount,
      gapMs: 2,
    },
  ]);
  const result = (outcome as StepOutcome<SubscribeResult>).result;
  return {
    target,
    version,
    latency: summarizeLatencies(result.latenciesMs),
    putLatency: summarizeLatencies(result.putLatenciesMs),
    errors: result.errors,
    firstError: result.firstError,
  };
}

async function runRetained(context: BenchContext, mode: Mode): Promise<RetainedSummary> {
  const dir = join(context.scratchDir, "freshet-retained");
  await mkdir(dir, { recursive: true });
  let server = await startServer("freshet", { dir, nodeArgs: context.childNodeArgs("retained-server") });
  let write: StepOutcome<PutRecordsResult>;
  let stopMs: number;
  try {
    const [outcome] = await runSequence(context, "retained-write", server, [
      {
        endpoint: server.endpoint,
        http: "h2",
        kind: "put-records",
        stream: "retained",
        shards: throughputShards,
        recordsPerRequest,
        keyBytes,
        dataBytes: mode.retainedDataBytes,
        concurrency,
        warmupMs: 0,
        durationMs: mode.retainedMaxMs,
        maxRecords: mode.retainedRecords,
        serverMemoryEveryRecords: mode.retainedRecords / 10,
      },
    ]);
    write = outcome as StepOutcome<PutRecordsResult>;
  } finally {
    stopMs = await server.stop(60_000);
  }
  const restartMs: number[] = [];
  const memoryAfterRestart: ProcessMemory[] = [];
  for (let i = 0; i < mode.restarts; i++) {
    server = await startServer("freshet", { dir, nodeArgs: context.childNodeArgs(`restart-${i + 1}-server`) });
    restartMs.push(server.startMs);
    memoryAfterRestart.push(server.memory());
    await server.stop(60_000);
  }
  const r = write.result;
  return {
    records: r.totalRecords,
    dataBytes: r.totalRecords * mode.retainedDataBytes,
    diskBytes: diskUsage(dir),
    writeRecordsPerSecond: perSecond(r.records, r.elapsedMs),
    writeMegabytesPerSecond: megabytesPerSecond(r.records * mode.retainedDataBytes, r.elapsedMs),
    memoryAfterWrite: write.serverMemory,
    stopMs,
    restartMs,
    memoryAfterRestart,
    stoppedByTime: r.totalRecords < mode.retainedRecords,
    load: write.load,
    rssWhileWriting: r.serverRss ?? [],
  };
}

function diskUsage(dir: string): number {
  try {
    return Number(execFileSync("du", ["-sb", dir], { encoding: "utf8" }).split("\t")[0]);
  } catch {
    return 0;
  }
}

interface RatioRow {
  readonly freshet: string;
  readonly other: string;
  readonly put1k: number | null;
  readonly put100b: number | null;
  /**
   * Round by round (each Freshet round ran right after or before the other server's same round): how far the ratio
   * moved within the run. Null when there was one round, or when the two took different numbers of rounds.
   */
  readonly put1kRounds?: number[] | null;
  readonly put100bRounds?: number[] | null;
  readonly putWide: number | null;
  readonly read1k: number | null;
  readonly putP99: number | null;
  readonly singleP99: number | null;
  readonly streamsMs: number | null;
}

/** Freshet over each other server: throughput ratios (higher is better for Freshet) and latency/time ratios (lower is). */
function ratios(results: readonly TargetResult[]): RatioRow[] {
  const byId = new Map(results.map((r) => [r.target.id, r]));
  const pairs: Array<[string, string]> = [
    ["freshet-h2", "floor-h2"],
    ["freshet-http1", "floor-http1"],
    ["freshet-http1-fsync-never", "floor-http1"],
    ["freshet-h2", "kinesalite"],
    ["freshet-http1", "kinesalite"],
    ["freshet-h2", "kinesis-mock"],
    ["freshet-http1", "kinesis-mock"],
  ];
  const div = (a: number | undefined, b: number | undefined): number | null =>
    a === undefined || b === undefined || b === 0 ? null : a / b;
  const byRound = (a: PutSummary, b: PutSummary): number[] | null => {
    const [ours, theirs] = [a.roundRecordsPerSecond, b.roundRecordsPerSecond];
    if (ours === undefined || theirs === undefined || ours.length < 2 || ours.length !== theirs.length) return null;
    return ours.map((value, i) => value / theirs[i]!);
  };
  return pairs.flatMap(([f, o]) => {
    const freshet = byId.get(f);
    const other = byId.get(o);
    if (freshet === undefined || other === undefined) return [];
    return [
      {
        freshet: f,
        other: o,
        put1k: div(freshet.put["1k"].recordsPerSecond, other.put["1k"].recordsPerSecond),
        put100b: div(freshet.put["100b"].recordsPerSecond, other.put["100b"].recordsPerSecond),
        put1kRounds: byRound(freshet.put["1k"], other.put["1k"]),
        put100bRounds: byRound(freshet.put["100b"], other.put["100b"]),
        putWide: div(freshet.wide?.recordsPerSecond, other.wide?.recordsPerSecond),
        read1k: div(freshet.read?.["1k"].recordsPerSecond, other.read?.["1k"].recordsPerSecond),
        putP99: div(freshet.put["1k"].latency.p99Ms, other.put["1k"].latency.p99Ms),
        singleP99: div(freshet.single.latency.p99Ms, other.single.latency.p99Ms),
        streamsMs: div(freshet.streams?.totalMs, other.streams?.totalMs),
      },
    ];
  });
}

function renderMarkdown(
  quick: boolean,
  mode: Mode,
  versions: Record<ServerKind, string>,
  results: readonly TargetResult[],
  subscribes: readonly SubscribeSummary[],
  retained: RetainedSummary,
): string {
  const subscribe = subscribes.find((s) => s.target.server === "freshet") ?? null;
  const byId = new Map(results.map((r) => [r.target.id, r]));
  const label = (r: TargetResult): string =>
    r.target.server === "floor" ? r.target.label : `${r.target.label.replace(",", ` ${r.version},`)}`;
  const loadCell = (load: StepLoad | null): string =>
    load === null
      ? "?"
      : `${percent(load.server)} / ${percent(load.loadGenerator)} / ${percent(load.others)} / ${percent(load.steal)}` +
        (isDisturbed(load) ? " ⚠" : "");
  const ratioCell = (value: number | null, digits = 2): string => (value === null ? "—" : `${fixed(value, digits)}×`);
  const roundsCell = (value: number | null, rounds: number[] | null | undefined): string =>
    ratioCell(value) + (value === null || !rounds ? "" : ` (${fixed(Math.min(...rounds), 2)}–${fixed(Math.max(...rounds), 2)})`);
  const allRatios = ratios(results);
  const ratio = (f: string, o: string): RatioRow | undefined => allRatios.find((r) => r.freshet === f && r.other === o);

  // Targets from the issue, each against what was measured.
  // A target is met only when every measured case meets it: both HTTP versions, both record sizes.
  const worst = (values: Array<number | null | undefined>): number | null => {
    const defined = values.filter((v): v is number => v !== null && v !== undefined);
    return defined.length === 0 ? null : Math.min(...defined);
  };
  const floorPairs = [ratio("freshet-h2", "floor-h2"), ratio("freshet-http1", "floor-http1")];
  const floorRatio = worst(floorPairs.flatMap((row) => [row?.put1k, row?.put100b]));
  const floorRatios = ["freshet-h2/floor-h2", "freshet-http1/floor-http1"]
    .map((pair) => {
      const [f, o] = pair.split("/") as [string, string];
      const row = ratio(f, o);
      return row === undefined ? null : `${f === "freshet-h2" ? "HTTP/2" : "HTTP/1.1"}: 1 KiB ${roundsCell(row.put1k, row.put1kRounds)}, 100 B ${roundsCell(row.put100b, row.put100bRounds)}`;
    })
    .filter((s) => s !== null)
    .join("; ");
  const readRatio = worst([ratio("freshet-h2", "kinesalite")?.read1k, ratio("freshet-http1", "kinesalite")?.read1k]);
  const kinesalite = byId.get("kinesalite");
  const kinesaliteRead = kinesalite?.read?.["1k"].recordsPerSecond;
  const readCeilings = ["freshet-h2", "freshet-http1"].flatMap((id) => {
    const read = byId.get(id)?.read?.["1k"];
    const ceiling = read === undefined ? null : loadGeneratorCeiling(read);
    return ceiling === null || !kinesaliteRead ? [] : [{ http: id === "freshet-h2" ? "HTTP/2" : "HTTP/1.1", ratio: ceiling / kinesaliteRead }];
  });
  const floorHttp1 = byId.get("floor-http1");
  const freshetRows = results.filter((r) => r.target.server === "freshet" && r.target.freshetArgs === undefined);
  // The issue's latency target is PutRecords "at the same load": the 8-in-flight phases, each record size.
  const putP99Ratio = (r: TargetResult | undefined, size: SizeId): number | null =>
    r === undefined || kinesalite === undefined ? null : r.put[size].latency.p99Ms / kinesalite.put[size].latency.p99Ms;
  const worstPutP99Ratio = Math.max(...freshetRows.flatMap((r) => sizes.map((size) => putP99Ratio(r, size.id) ?? Infinity)));
  const putP99Cells = freshetRows
    .map((r) => `${r.target.http === "h2" ? "HTTP/2" : "HTTP/1.1"}: ${sizes.map((size) => `${size.label} ${ratioCell(putP99Ratio(r, size.id))}`).join(", ")}`)
    .join("; ");
  const worstFreshetSingleP99 = Math.max(...freshetRows.map((r) => r.single.latency.p99Ms));
  const maxRestart = retained.restartMs.length === 0 ? null : Math.max(...retained.restartMs);
  const retainedRss = retained.memoryAfterWrite?.rssBytes ?? null;
  const rssGrowth = retained.rssWhileWriting === undefined ? undefined : secondHalfGrowth(retained.rssWhileWriting);
  const met = (ok: boolean | null): string => (ok === null ? "not measured" : ok ? "met" : "**not met**");
  // A ratio met while other work or the hypervisor took much of the CPU from one side proves nothing: it may be the
  // other side that was slowed. Misses are reported as they are.
  const judged = (ok: boolean | null, ids: readonly string[], phases: (r: TargetResult) => Array<StepLoad | null>): string => {
    const disturbed = ids.some((id) => {
      const result = byId.get(id);
      return result !== undefined && phases(result).some(isDisturbed);
    });
    return ok === true && disturbed ? "met only with a ⚠ phase among those compared: **not conclusive**" : met(ok);
  };
  const full = !quick;
  const scaleNote = (what: string): string => (full ? "" : ` (quick run: ${what}, not the target's size)`);
  const targetRows: string[][] = [
    [
      "PutRecords ≥ 0.8× floor (records/s, same HTTP version)",
      floorRatios,
      judged(floorRatio === null ? null : floorRatio >= 0.8, ["freshet-h2", "floor-h2", "freshet-http1", "floor-http1"], (r) =>
        sizes.map((size) => r.put[size.id].load),
      ),
    ],
    [
      "GetRecords read-back ≥ 5× kinesalite (records/s, 1 KiB)",
      `HTTP/2 ${ratioCell(ratio("freshet-h2", "kinesalite")?.read1k ?? null)}, HTTP/1.1 ${ratioCell(ratio("freshet-http1", "kinesalite")?.read1k ?? null)}` +
        (readCeilings.length === 0
          ? ""
          : `; the load generator alone, with every core, at the CPU per record it spent: ${readCeilings.map((c) => `${c.http} ${ratioCell(c.ratio)}`).join(", ")}`),
      judged(readRatio === null ? null : readRatio >= 5, ["freshet-h2", "freshet-http1", "kinesalite"], (r) => [r.read?.["1k"].load ?? null]) +
        (readRatio !== null && readRatio < 5 && readCeilings.length > 0 && readCeilings.every((c) => c.ratio < 5)
          ? " (beyond this load generator on this machine)"
          : ""),
    ],
    [
      "p99 PutRecords latency ≤ 1/5 of kinesalite's at the same load (8 in flight)",
      kinesalite === undefined
        ? "—"
        : `${putP99Cells}` +
          // What storing nothing reaches on the same machine: where the floor misses the target too, the load
          // generator and the machine bound it, not the server.
          (floorHttp1 === undefined
            ? ""
            : `; the floor (HTTP/1.1): ${sizes.map((size) => `${size.label} ${ratioCell(putP99Ratio(floorHttp1, size.id))}`).join(", ")}`) +
          // Not part of the target (the issue lists it as a measurement), but shown beside it: one call at a time,
          // each of Freshet's waits for its own fsync, kinesalite's for nothing.
          `. Single PutRecord at low load, not part of the target: ${millis(worstFreshetSingleP99)} vs ` +
          `${millis(kinesalite.single.latency.p99Ms)} ms (${ratioCell(worstFreshetSingleP99 / kinesalite.single.latency.p99Ms)})`,
      kinesalite === undefined
        ? met(null)
        : judged(worstPutP99Ratio <= 0.2, ["freshet-h2", "freshet-http1", "kinesalite"], (r) => sizes.map((size) => r.put[size.id].load)),
    ],
    [
      "SubscribeToShard put → event p99 < 10 ms",
      subscribe === null
        ? "—"
        : `p50 ${millis(subscribe.latency.p50Ms)} ms, p99 ${millis(subscribe.latency.p99Ms)} ms ` +
          `(its PutRecord calls alone: p50 ${millis(subscribe.putLatency.p50Ms)} ms, p99 ${millis(subscribe.putLatency.p99Ms)} ms)`,
      met(subscribe === null ? null : subscribe.latency.p99Ms < 10 && subscribe.errors === 0),
    ],
    [
      "RSS < 200 MB after 10 M records",
      `${retainedRss === null ? "?" : `${fixed(retainedRss / 1e6, 0)} MB`} after ${integer(retained.records)} records` +
        (rssGrowth === undefined ? "" : `; over the second half of the write ${rssGrowth === null ? "?" : signedPercent(rssGrowth)} (flat: ≤ +${percent(flatRssGrowth)})`) +
        scaleNote(`${integer(retained.records)} records`),
      met(retainedRss === null || rssGrowth === null ? null : retainedRss < 200e6 && (rssGrowth === undefined || rssGrowth <= flatRssGrowth)),
    ],
    [
      "Restart with 5 GB retained < 2 s (spawn → listening)",
      `${maxRestart === null ? "?" : `${millis(maxRestart)} ms`} (slowest of ${retained.restartMs.length}) with ${fixed(retained.diskBytes / 1e9, 2)} GB on disk` +
        scaleNote(`${fixed(retained.diskBytes / 1e9, 2)} GB`),
      met(maxRestart === null ? null : maxRestart < 2000),
    ],
  ];

  // Runs saved before slow servers took fewer rounds lack the setting: they took every round.
  const slowPutRounds = (mode as Partial<Mode>).slowPutRounds ?? mode.putRounds;
  const slowRounds =
    !quick && slowPutRounds < mode.putRounds
      ? ` (${targets.filter((t) => t.slow === true).map((t) => t.label).join(", ")}: the first ${slowPutRounds} rounds only, its requests taking seconds each)`
      : "";
  const putTable = (of: (r: TargetResult) => PutSummary | undefined): string =>
    markdownTable(
      [
        { title: "Server" },
        { title: "Requests", align: "right" },
        { title: "Records/s", align: "right" },
        { title: "MB/s", align: "right" },
        { title: "p50 ms", align: "right" },
        { title: "p99 ms", align: "right" },
        { title: "Errors", align: "right" },
        { title: "CPU: server / load gen / other / stolen", align: "right" },
      ],
      results.flatMap((r) => {
        const p = of(r);
        if (p === undefined) return [];
        const row = [
          label(r),
          integer(p.requests),
          integer(p.recordsPerSecond),
          fixed(p.megabytesPerSecond),
          millis(p.latency.p50Ms),
          millis(p.latency.p99Ms),
          p.errors + p.failedRecords === 0 ? "0" : `${p.errors} failed calls, ${p.failedRecords} failed records${p.firstError === null ? "" : ` (${p.firstError.slice(0, 80)})`}`,
          loadCell(p.load),
        ];
        return [row];
      }),
    );
  const measuredWide = results.some((r) => r.wide !== undefined);

  const readRows = results.flatMap((r) =>
    r.read === null
      ? []
      : sizes.map((size) => {
          const read = r.read![size.id];
          const ceiling = loadGeneratorCeiling(read);
          return [
            label(r),
            size.label,
            `${integer(read.records)} / ${integer(read.expectedRecords)}${read.complete ? "" : read.stoppedByTime ? " ⏱" : " ✗"}`,
            integer(read.recordsPerSecond),
            fixed(read.megabytesPerSecond),
            integer(read.calls),
            millis(read.callLatency.p50Ms),
            millis(read.callLatency.p99Ms),
            loadCell(read.load),
            ceiling === null ? "?" : integer(ceiling),
          ];
        }),
  );

  const ratioRows = allRatios.map((row) => [
    `${byId.get(row.freshet)!.target.label} ÷ ${byId.get(row.other)!.target.label}`,
    roundsCell(row.put1k, row.put1kRounds),
    roundsCell(row.put100b, row.put100bRounds),
    ...(measuredWide ? [ratioCell(row.putWide)] : []),
    ratioCell(row.read1k),
    ratioCell(row.putP99),
    ratioCell(row.singleP99),
    ratioCell(row.streamsMs),
  ]);

  const singleRows = results.map((r) => [
    label(r),
    millis(r.single.latency.p50Ms),
    millis(r.single.latency.p90Ms),
    millis(r.single.latency.p99Ms),
    millis(r.single.latency.maxMs),
    r.single.errors === 0 ? "0" : `${r.single.errors} (${r.single.firstError ?? ""})`,
  ]);

  const streamsRows = results.flatMap((r) =>
    r.streams === null
      ? []
      : [
          [
            label(r),
            `${integer(r.streams.streams)} × ${shardsPerStream}`,
            millis(r.streams.createMs),
            millis(r.streams.activeMs),
            millis(r.streams.writeMs),
            millis(r.streams.totalMs),
            r.streams.error ?? (r.streams.stoppedByTime ? "stopped by the time limit" : "—"),
          ],
        ],
  );

  const memoryRows = results.map((r) => [
    label(r),
    millis(r.startMs),
    r.memoryAfterThroughput === null ? "?" : mebibytes(r.memoryAfterThroughput.peakRssBytes),
    r.memoryAtEnd === null ? "?" : mebibytes(r.memoryAtEnd.peakRssBytes),
    r.memoryAtEnd === null ? "?" : mebibytes(r.memoryAtEnd.rssBytes),
    r.serverCpuSeconds === null ? "?" : fixed(r.serverCpuSeconds, 1),
    fixed(r.loadGeneratorCpuSeconds, 1),
  ]);

  const disturbed = results.some((r) =>
    [...sizes.map((s) => r.put[s.id].load), ...(r.read === null ? [] : sizes.map((s) => r.read![s.id].load))].some(isDisturbed),
  );

  return [
    "## Kinesis: Freshet beside kinesalite, kinesis-mock and the protocol's floor",
    "",
    `Every server runs in its own process on a free loopback port; the load comes from another process through ` +
      `@aws-sdk/client-kinesis (its default HTTP/2 handler, or NodeHttpHandler for HTTP/1.1 with keep-alive). Servers: ` +
      `**Freshet** ${versions.freshet} (\`freshet serve --limits off\`, durable data directory, fsync \`always\`: every ` +
      `PutRecords is acknowledged once on disk: after an O_DSYNC write or fdatasync of each shard's segment, or one ` +
      `shared write to the write-ahead file for small rounds in flight together), **kinesalite** ${versions.kinesalite} (LevelDB on disk via ` +
      `\`--path\`, stream create/delete/update delays 0), **kinesis-mock** ${versions["kinesis-mock"]} (npm ` +
      `\`kinesis-local\`: its Scala.js build run by Node; it keeps data in memory, \`*_DURATION=0ms\`; HTTP/1.1 only — ` +
      `its cleartext HTTP/2 fails with a protocol error from the SDK's handler) and the **floor** (\`bench/kinesis-floor.ts\`: ` +
      `node:http or node:http2 that parses each request's JSON, base64-decodes every record and answers a valid ` +
      `response, storing nothing). MB = 10^6 bytes of record data (partition keys not counted).` +
      (quick ? " **Quick run**: short phases and small sizes; expect noise." : ""),
    "",
    "⚠ These numbers come from a machine with 2 cores shared with other work: the server and the load generator " +
      "compete for the same 2 cores (the SDK client costs about as much CPU as a server), so every throughput here is " +
      "bounded by the pair, and other processes' load adds noise. The CPU columns show the split." +
      " Stolen is CPU time the hypervisor gave to other virtual machines while this one wanted it." +
      (disturbed
        ? ` ⚠ in a row marks a phase during which other processes, or other virtual machines, took ${percent(disturbingLoad)} or more of the CPUs.`
        : ""),
    "",
    "### Targets",
    "",
    markdownTable([{ title: "Target" }, { title: "Measured" }, { title: "" }], targetRows),
    "",
    "### Freshet ÷ others",
    "",
    markdownTable(
      [
        { title: "Freshet ÷ other" },
        { title: "PutRecords 1 KiB records/s", align: "right" },
        { title: "PutRecords 100 B records/s", align: "right" },
        ...(measuredWide ? [{ title: `PutRecords 100 B, ${wideShards} shards records/s`, align: "right" as const }] : []),
        { title: "Read-back 1 KiB records/s", align: "right" },
        { title: "PutRecords 1 KiB p99", align: "right" },
        { title: "PutRecord p99", align: "right" },
        { title: `${mode.streams} streams time`, align: "right" },
      ],
      ratioRows,
    ),
    "",
    "Throughput ratios above 1× favour Freshet; latency and time ratios below 1× do." +
      (mode.putRounds > 1
        ? " In brackets beside a PutRecords ratio: the lowest and the highest of its rounds' ratios (each of Freshet's rounds " +
          "ran right before or after the other server's), how far the machine moved it within this run."
        : ""),
    "",
    `### PutRecords, ${recordsPerRequest} × 1 KiB, ${concurrency} in flight`,
    "",
    putTable((r) => r.put["1k"]),
    "",
    `### PutRecords, ${recordsPerRequest} × 100 B, ${concurrency} in flight`,
    "",
    putTable((r) => r.put["100b"]),
    "",
    `- Each: a stream of ${throughputShards} shards, ${recordsPerRequest} records a request with random ${keyBytes}-character ` +
      `partition keys (8 distinct batches of random data reused), ${concurrency} requests in flight for ` +
      `${fixed(mode.putMs / 1000, 1)} s after a ${fixed(mode.putWarmupMs / 1000, 1)} s warm-up` +
      (mode.putRounds > 1
        ? `, in ${mode.putRounds} rounds: every server is up from the start, and each round runs them one after the other at ` +
          "one record size, then at the other, in the table's order and reversed in turn (ABBA…), so that each floor runs next to " +
          "the Freshet it is compared with and drift of the machine falls on all alike; the rows sum the rounds" +
          slowRounds
        : "") +
      ". Latency is each request's, from send to response, in the load generator." +
      (quick
        ? ` Quick run: ${targets.filter((t) => t.slow === true).map((t) => t.label).join(", ")} got one round of ` +
          `${concurrency} requests only, without warm-up (its requests take seconds each).`
        : ""),
    "- CPU: shares of all CPUs' time during the phase used by the server, the load generator and everything else, " +
      "and stolen by the hypervisor for other virtual machines (100% = both cores).",
    "",
    ...(measuredWide
      ? [
          `### PutRecords, ${recordsPerRequest} × 100 B, ${concurrency} in flight, on ${wideShards} shards`,
          "",
          putTable((r) => r.wide),
          "",
          `- As above with 100 B records, but on a stream of ${wideShards} shards: a request's records spread over every ` +
            "shard, so each request costs a write per shard touched (for Freshet, a plain write to each shard's segment, " +
            "made from the event loop, and one durable write to the write-ahead file that the rounds in " +
            `flight share) instead of ${throughputShards}. One round of ${fixed(mode.widePutMs / 1000, 1)} s per server, right after ` +
            "the rounds above" +
            (quick ? " (the quick run's slow servers: one round of requests only, as above)." : "."),
          "",
        ]
      : []),
    "### GetRecords read-back",
    "",
    markdownTable(
      [
        { title: "Server" },
        { title: "Records" },
        { title: "Read / written", align: "right" },
        { title: "Records/s", align: "right" },
        { title: "MB/s", align: "right" },
        { title: "GetRecords calls", align: "right" },
        { title: "Call p50 ms", align: "right" },
        { title: "Call p99 ms", align: "right" },
        { title: "CPU: server / load gen / other / stolen", align: "right" },
        { title: "Load gen alone: records/s", align: "right" },
      ],
      readRows,
    ),
    "",
    `- Everything the PutRecords phases wrote (warm-up included), every shard in parallel from TRIM_HORIZON, the ` +
      `shards split over ${Math.min(availableParallelism(), throughputShards)} threads of the load generator (one per core: ` +
      "the SDK's parsing of a GetRecords answer, about 30 µs per 1 KiB record, would make one thread the bottleneck), " +
      `GetRecords with Limit ${integer(getRecordsLimit)} until a shard answers empty and caught up; at most ` +
      `${integer(mode.readMaxMs / 1000)} s (⏱: stopped there). The floor stores nothing and is not read; ` +
      "neither is Freshet with fsync never, whose store is the same as the durable one's.",
    "- Load gen alone: the records/s the load generator would reach with every core to itself, at the CPU per record " +
      "it spent decoding this server's answers (its rate over its share of all CPUs' time). The SDK's decoding bounds " +
      "read-back, so these answers could not be read faster on this machine however little the server cost; the " +
      "targets above compare it with kinesalite's rate.",
    "",
    "### Single PutRecord at low load",
    "",
    markdownTable(
      [
        { title: "Server" },
        { title: "p50 ms", align: "right" },
        { title: "p90 ms", align: "right" },
        { title: "p99 ms", align: "right" },
        { title: "max ms", align: "right" },
        { title: "Errors", align: "right" },
      ],
      singleRows,
    ),
    "",
    `- ${integer(mode.singleCount)} PutRecord calls of 100 B, one at a time, one shard, after ${warmup(mode.singleWarmupMs)}.`,
    "",
    "### SubscribeToShard",
    "",
    subscribes.length === 0
      ? "Not measured."
      : markdownTable(
          [
            { title: "Server" },
            { title: "Events", align: "right" },
            { title: "p50 ms", align: "right" },
            { title: "p90 ms", align: "right" },
            { title: "p99 ms", align: "right" },
            { title: "max ms", align: "right" },
            { title: "Lost or failed", align: "right" },
            { title: "Its PutRecords: p50 / p99 ms", align: "right" },
          ],
          subscribes.map((s) => [
            s.target.server === "floor" ? s.target.label : s.target.label.replace(",", ` ${s.version},`),
            integer(s.latency.count),
            millis(s.latency.p50Ms),
            millis(s.latency.p90Ms),
            millis(s.latency.p99Ms),
            millis(s.latency.maxMs),
            s.errors === 0 ? "0" : `${s.errors} (${s.firstError ?? ""})`,
            `${millis(s.putLatency.p50Ms)} / ${millis(s.putLatency.p99Ms)}`,
          ]),
        ),
    "",
    `- An enhanced fan-out consumer subscribed at LATEST on a 1-shard stream; PutRecord calls of 100 B one at a time ` +
      `(${integer(mode.subscribeCount)} for Freshet, ${integer(mode.slowSubscribeCount)} for kinesis-mock, whose events ` +
      `come about once a second), after ${warmup(mode.subscribeWarmupMs)}; each waits for its event, then 2 ms: ` +
      "latency from sending the PutRecord to the " +
      "event carrying that record arriving at the consumer, which runs on its own thread of the load generator (as a " +
      "consumer runs apart from its producers), both read from one monotonic clock; beside it, the PutRecord calls' own latency (send to " +
      "response), which the event's includes: a record is delivered once it is durable, as its put is answered. " +
      "kinesalite does not implement SubscribeToShard or " +
      "stream consumers; kinesis-mock serves it over HTTP/1.1 (chunked event stream).",
    "",
    `### Creating and writing ${mode.streams} streams × ${shardsPerStream} shards`,
    "",
    markdownTable(
      [
        { title: "Server" },
        { title: "Streams × shards" },
        { title: "CreateStream all ms", align: "right" },
        { title: "All ACTIVE ms", align: "right" },
        { title: "Write every shard ms", align: "right" },
        { title: "Total ms", align: "right" },
        { title: "Error" },
      ],
      streamsRows,
    ),
    "",
    `- CreateStream with ${concurrency} calls in flight; then DescribeStreamSummary until every stream is ACTIVE (times ` +
      `from the first call); then one PutRecords a stream with a record for each shard (explicit hash keys).`,
    "",
    "### Server processes",
    "",
    markdownTable(
      [
        { title: "Server" },
        { title: "Start ms", align: "right" },
        { title: "Peak RSS after PutRecords + read-back", align: "right" },
        { title: "Peak RSS at end", align: "right" },
        { title: "RSS at end", align: "right" },
        { title: "Server CPU s", align: "right" },
        { title: "Load generator CPU s", align: "right" },
      ],
      memoryRows,
    ),
    "",
    "- Start: spawn to the listening line (kinesis-mock prints none: to its first HTTP answer). RSS from " +
      "/proc/<pid>/status (VmHWM, VmRSS) of the server process.",
    "",
    `### Freshet with ${integer(retained.records)} records retained`,
    "",
    markdownTable(
      [{ title: "" }, { title: "" }],
      [
        [
          "Written",
          `${integer(retained.records)} records of ${mode.retainedDataBytes} B (${fixed(retained.dataBytes / 1e9, 2)} GB of data) ` +
            `over HTTP/2, ${concurrency} × PutRecords of ${recordsPerRequest} in flight, ${throughputShards} shards: ` +
            `${integer(retained.writeRecordsPerSecond)} records/s, ${fixed(retained.writeMegabytesPerSecond)} MB/s` +
            (retained.stoppedByTime ? ` ⏱ stopped at the time limit (${integer(mode.retainedMaxMs / 1000)} s)` : ""),
        ],
        ["Data directory", `${fixed(retained.diskBytes / 1e9, 2)} GB`],
        [
          "Server RSS after writing",
          retained.memoryAfterWrite === null
            ? "?"
            : `${mebibytes(retained.memoryAfterWrite.rssBytes)} (${fixed(retained.memoryAfterWrite.rssBytes / 1e6, 0)} MB); peak ${mebibytes(retained.memoryAfterWrite.peakRssBytes)}`,
        ],
        ...(retained.rssWhileWriting === undefined
          ? []
          : [
              [
                "Server RSS while writing",
                retained.rssWhileWriting.map(({ records, rssBytes }) => `${integer(records)}: ${mebibytes(rssBytes)}`).join(", ") || "?",
              ],
            ]),
        ["Graceful stop (SIGTERM → exit)", `${millis(retained.stopMs)} ms`],
        ["Restart (spawn → listening line)", `${retained.restartMs.map(millis).join(", ")} ms`],
        ["RSS right after restart", retained.memoryAfterRestart.map((m) => mebibytes(m.rssBytes)).join(", ")],
        ["CPU during the write: server / load gen / other / stolen", loadCell(retained.load)],
      ],
    ),
  ].join("\n");
}
