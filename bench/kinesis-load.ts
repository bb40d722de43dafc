/**
 * The load generator of the kinesis suite (kinesis.ts), in its own process so that it never shares a thread with a
 * server: the AWS SDK v3 Kinesis client against one endpoint, over HTTP/1.1 (NodeHttpHandler, keep-alive) or its
 * default HTTP/2 handler. One task per run; the result is printed as JSON (lib/child.ts).
 *
 *   put-records   PutRecords of N records of a given size, C requests in flight, for a time or a record count
 *   read-back     GetRecords of every shard of a stream from TRIM_HORIZON to its end
 *   put-record    single PutRecord calls one after the other (latency at low load)
 *   subscribe     SubscribeToShard: PutRecord one at a time, time until the record's event arrives
 *   streams       create S streams of K shards, wait until all are ACTIVE, write one record to every shard
 */
import { randomBytes } from "node:crypto";
import { Agent } from "node:http";
import { availableParallelism } from "node:os";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import {
  CreateStreamCommand,
  DescribeStreamConsumerCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
  PutRecordCommand,
  PutRecordsCommand,
  type PutRecordsRequestEntry,
  RegisterStreamConsumerCommand,
  type Shard,
  SubscribeToShardCommand,
} from "@aws-sdk/client-kinesis";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { childMain } from "./lib/child.js";
import { cpuTimes } from "./lib/cpu-load.js";
import { type ProcessMemory, processCpuSeconds, processMemory } from "./kinesis-servers.js";

export type HttpVersion = "http1" | "h2";

interface Common {
  readonly endpoint: string;
  readonly http: HttpVersion;
}

export interface PutRecordsTask extends Common {
  readonly kind: "put-records";
  readonly stream: string;
  readonly shards: number;
  readonly recordsPerRequest: number;
  readonly keyBytes: number;
  readonly dataBytes: number;
  readonly concurrency: number;
  /** Not measured, but written (and read back). */
  readonly warmupMs: number;
  /** Stop after this long, or after `maxRecords`, whichever comes first. */
  readonly durationMs: number;
  readonly maxRecords?: number;
  /** Reads the server's RSS each time this many more records have been acknowledged. */
  readonly serverMemoryEveryRecords?: number;
}

export interface ReadBackTask extends Common {
  readonly kind: "read-back";
  readonly stream: string;
  readonly expectedRecords: number;
  readonly limit: number;
  readonly maxMs: number;
}

/**
 * Latency is measured in the steady state: calls made during the first `warmupMs` (at least one) are not counted,
 * which is mostly both processes' JIT compiling the call's path (a few thousand calls on this machine).
 */
export interface PutRecordTask extends Common {
  readonly kind: "put-record";
  readonly stream: string;
  readonly dataBytes: number;
  readonly warmupMs: number;
  readonly count: number;
}

export interface SubscribeTask extends Common {
  readonly kind: "subscribe";
  readonly stream: string;
  readonly dataBytes: number;
  /** As for PutRecordTask. */
  readonly warmupMs: number;
  readonly count: number;
  /** Pause between puts, so that each record is alone in its event. */
  readonly gapMs: number;
}

export interface StreamsTask extends Common {
  readonly kind: "streams";
  readonly prefix: string;
  readonly streams: number;
  readonly shardsPerStream: number;
  /** CreateStream calls in flight. */
  readonly concurrency: number;
  readonly maxMs: number;
}

export type LoadStep = PutRecordsTask | ReadBackTask | PutRecordTask | SubscribeTask | StreamsTask;

/** Several steps one after the other in this one process, sampling the server process between them. */
export interface SequenceTask {
  readonly kind: "sequence";
  readonly steps: readonly LoadStep[];
  /** The server's process, to sample its memory and CPU time after each step. */
  readonly serverPid: number | null;
}

export type LoadTask = LoadStep | SequenceTask;

export interface StepLoad {
  /** Shares of all CPUs' time during the step: busy in all, the server, this load generator, anything else. */
  readonly machineBusy: number;
  readonly server: number;
  readonly loadGenerator: number;
  readonly others: number;
  readonly steal: number;
}

export interface StepOutcome<R = unknown> {
  readonly result: R;
  /** The server process after the step. */
  readonly serverMemory: ProcessMemory | null;
  readonly serverCpuSeconds: number | null;
  readonly load: StepLoad | null;
}

export interface PutRecordsResult {
  readonly requests: number;
  readonly records: number;
  /** Record data + partition keys, measured requests only. */
  readonly bytes: number;
  readonly elapsedMs: number;
  readonly latenciesMs: number[];
  readonly failedRecords: number;
  readonly errors: number;
  readonly firstError: string | null;
  /** Records acknowledged in all, warm-up included: what a read-back should find. */
  readonly totalRecords: number;
  readonly totalBytes: number;
  /** The server's RSS as the records were written, if asked for (`serverMemoryEveryRecords`). */
  readonly serverRss?: ReadonlyArray<{ readonly records: number; readonly rssBytes: number }>;
}

export interface ReadBackResult {
  readonly shards: number;
  readonly records: number;
  readonly bytes: number;
  readonly calls: number;
  readonly elapsedMs: number;
  readonly latenciesMs: number[];
  readonly complete: boolean;
  readonly stoppedByTime: boolean;
}

export interface LatencyResult {
  readonly latenciesMs: number[];
  readonly errors: number;
  readonly firstError: string | null;
}

export interface SubscribeResult extends LatencyResult {
  /** Each measured PutRecord's own latency, send to response: the part of the event's that the put takes. */
  readonly putLatenciesMs: number[];
}

export interface StreamsResult {
  readonly streams: number;
  readonly shards: number;
  readonly createMs: number;
  /** From the first CreateStream to every stream ACTIVE. */
  readonly activeMs: number;
  /** Writing one record to every shard (one PutRecords per stream, explicit hash keys). */
  readonly writeMs: number;
  readonly totalMs: number;
  readonly recordsWritten: number;
  readonly stoppedByTime: boolean;
  readonly error: string | null;
}

function client(task: Common): KinesisClient {
  return new KinesisClient({
    endpoint: task.endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "AKIDBENCH", secretAccessKey: "bench-secret" },
    maxAttempts: 1,
    ...(task.http === "http1"
      ? { requestHandler: new NodeHttpHandler({ httpAgent: new Agent({ keepAlive: true, maxSockets: 256 }) }) }
      : {}),
  });
}

async function main(task: LoadTask): Promise<unknown> {
  if (task.kind !== "sequence") return runStep(task, null);
  const outcomes: StepOutcome[] = [];
  for (const step of task.steps) {
    const pid = task.serverPid;
    const before = cpuTimes();
    const ownBefore = process.cpuUsage();
    const serverBefore = pid === null ? 0 : processCpuSeconds(pid);
    const result = await runStep(step, pid);
    const after = cpuTimes();
    const own = process.cpuUsage(ownBefore);
    const serverCpuSeconds = pid === null ? null : processCpuSeconds(pid);
    let load: StepLoad | null = null;
    if (before !== null && after !== null && after.totalSeconds > before.totalSeconds) {
      const total = after.totalSeconds - before.totalSeconds;
      const busy = after.busySeconds - before.busySeconds;
      const steal = after.stealSeconds - before.stealSeconds;
      const server = serverCpuSeconds === null ? 0 : serverCpuSeconds - serverBefore;
      const loadGenerator = (own.user + own.system) / 1e6;
      load = {
        machineBusy: busy / total,
        server: server / total,
        loadGenerator: loadGenerator / total,
        others: Math.max(0, busy - steal - server - loadGenerator) / total,
        steal: steal / total,
      };
    }
    outcomes.push({ result, serverMemory: pid === null ? null : processMemory(pid), serverCpuSeconds, load });
  }
  return { outcomes };
}

async function runStep(task: LoadStep, serverPid: number | null): Promise<unknown> {
  const kinesis = client(task);
  try {
    switch (task.kind) {
      case "put-records":
        return await putRecords(kinesis, task, serverPid);
      case "read-back":
        return await readBack(kinesis, task);
      case "put-record":
        return await putRecord(kinesis, task);
      case "subscribe":
        return await subscribe(kinesis, task);
      case "streams":
        return await streams(kinesis, task);
    }
  } finally {
    kinesis.destroy();
  }
}

/** Creates the stream unless it exists, and waits until it is ACTIVE. */
async function ensureStream(kinesis: KinesisClient, name: string, shards: number): Promise<void> {
  try {
    await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
  } catch (error) {
    if ((error as Error).name !== "ResourceInUseException") throw error;
  }
  await waitActive(kinesis, name, 60_000);
}

async function waitActive(kinesis: KinesisClient, name: string, maxMs: number): Promise<void> {
  const deadline = performance.now() + maxMs;
  for (;;) {
    const { StreamDescriptionSummary } = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name }));
    if (StreamDescriptionSummary?.StreamStatus === "ACTIVE") return;
    if (performance.now() > deadline) throw new Error(`stream ${name} not ACTIVE after ${maxMs} ms`);
    await sleep(5);
  }
}

function makeBatches(task: PutRecordsTask): PutRecordsRequestEntry[][] {
  return Array.from({ length: 8 }, () =>
    Array.from({ length: task.recordsPerRequest }, () => ({
      PartitionKey: randomBytes(task.keyBytes / 2).toString("hex"),
      Data: randomBytes(task.dataBytes),
    })),
  );
}

async function putRecords(kinesis: KinesisClient, task: PutRecordsTask, serverPid: number | null): Promise<PutRecordsResult> {
  await ensureStream(kinesis, task.stream, task.shards);
  const batches = makeBatches(task);
  const requestBytes = task.recordsPerRequest * (task.keyBytes + task.dataBytes);
  const memoryEvery = task.serverMemoryEveryRecords;
  const serverRss: Array<{ records: number; rssBytes: number }> = [];
  let totalRecords = 0;
  let errors = 0;
  let firstError: string | null = null;
  let failedRecords = 0;
  let n = 0;

  const run = async (untilMs: number, maxRequests: number, latencies: number[] | null): Promise<number> => {
    let requests = 0;
    const worker = async (): Promise<void> => {
      while (performance.now() < untilMs && requests < maxRequests) {
        requests++;
        const records = batches[n++ % batches.length]!;
        const start = performance.now();
        try {
          const response = await kinesis.send(new PutRecordsCommand({ StreamName: task.stream, Records: records }));
          latencies?.push(performance.now() - start);
          const failed = response.FailedRecordCount ?? 0;
          failedRecords += failed;
          totalRecords += records.length - failed;
          if (serverPid !== null && memoryEvery !== undefined && totalRecords >= (serverRss.length + 1) * memoryEvery) {
            serverRss.push({ records: totalRecords, rssBytes: processMemory(serverPid).rssBytes });
          }
        } catch (error) {
          errors++;
          firstError ??= `${(error as Error).name}: ${(error as Error).message}`;
          if (errors > 100) throw new Error(`PutRecords keeps failing: ${firstError}`);
        }
      }
    };
    await Promise.all(Array.from({ length: task.concurrency }, worker));
    return requests;
  };

  await run(performance.now() + task.warmupMs, Infinity, null);
  const warmupRecords = totalRecords;
  const latenciesMs: number[] = [];
  const maxRequests = task.maxRecords === undefined ? Infinity : Math.ceil(task.maxRecords / task.recordsPerRequest);
  const start = performance.now();
  const requests = await run(start + task.durationMs, maxRequests, latenciesMs);
  const elapsedMs = performance.now() - start;
  const records = totalRecords - warmupRecords;
  return {
    requests,
    records,
    bytes: (records / task.recordsPerRequest) * requestBytes,
    elapsedMs,
    latenciesMs,
    failedRecords,
    errors,
    firstError,
    totalRecords,
    totalBytes: (totalRecords / task.recordsPerRequest) * requestBytes,
    ...(serverPid === null || memoryEvery === undefined ? {} : { serverRss }),
  };
}

async function listShards(kinesis: KinesisClient, stream: string): Promise<Shard[]> {
  const shards: Shard[] = [];
  let token: string | undefined;
  do {
    const page = await kinesis.send(
      token === undefined ? new ListShardsCommand({ StreamName: stream }) : new ListShardsCommand({ NextToken: token }),
    );
    shards.push(...(page.Shards ?? []));
    token = page.NextToken;
  } while (token !== undefined);
  return shards;
}

/**
 * Reads every shard from TRIM_HORIZON to its end, the shards split over one thread per core: parsing GetRecords
 * answers costs the SDK about 30 µs per 1 KiB record (a third of it a regular expression checking each record's
 * base64), so one thread of the load generator, not the server, would set the pace.
 */
async function readBack(kinesis: KinesisClient, task: ReadBackTask): Promise<ReadBackResult> {
  const shardIds = (await listShards(kinesis, task.stream)).map((shard) => shard.ShardId!);
  const threadCount = Math.min(availableParallelism(), shardIds.length);
  const threads = Array.from({ length: threadCount }, (_, thread) => {
    const job: ThreadJob = { kind: "read-part", part: { task, shardIds: shardIds.filter((_, i) => i % threadCount === thread) } };
    return new Worker(new URL(import.meta.url), { workerData: job });
  });
  // Timed once every thread has loaded the SDK.
  await Promise.all(threads.map((thread) => nextMessage(thread)));
  const start = performance.now();
  const deadline = Date.now() + task.maxMs;
  const parts = await Promise.all(
    threads.map((thread) => {
      thread.postMessage(deadline);
      return nextMessage(thread) as Promise<ReadPartResult>;
    }),
  );
  const records = parts.reduce((sum, part) => sum + part.records, 0);
  return {
    shards: shardIds.length,
    records,
    bytes: parts.reduce((sum, part) => sum + part.bytes, 0),
    calls: parts.reduce((sum, part) => sum + part.calls, 0),
    elapsedMs: performance.now() - start,
    latenciesMs: parts.flatMap((part) => part.latenciesMs),
    complete: records === task.expectedRecords,
    stoppedByTime: parts.some((part) => part.stoppedByTime),
  };
}

function nextMessage(thread: Worker): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number): void => reject(new Error(`load generator thread exited with code ${code}`));
    thread.once("exit", onExit);
    thread.once("error", reject);
    thread.once("message", (message: unknown) => {
      thread.off("exit", onExit);
      thread.off("error", reject);
      resolve(message);
    });
  });
}

interface ReadPart {
  readonly task: ReadBackTask;
  readonly shardIds: readonly string[];
}

type ReadPartResult = Pick<ReadBackResult, "records" | "bytes" | "calls" | "latenciesMs" | "stoppedByTime">;

/** One read-back thread: its shards in parallel, with a client of its own, until done or `deadline` (epoch ms). */
async function readPart({ task, shardIds }: ReadPart, deadline: number): Promise<ReadPartResult> {
  const kinesis = client(task);
  const result = { records: 0, bytes: 0, calls: 0, latenciesMs: [] as number[], stoppedByTime: false };
  try {
    await Promise.all(
      shardIds.map(async (shardId) => {
        let { ShardIterator: iterator } = await kinesis.send(
          new GetShardIteratorCommand({ StreamName: task.stream, ShardId: shardId, ShardIteratorType: "TRIM_HORIZON" }),
        );
        while (iterator !== undefined && iterator !== null) {
          if (Date.now() > deadline) {
            result.stoppedByTime = true;
            return;
          }
          const callStart = performance.now();
          const page = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: task.limit }));
          result.latenciesMs.push(performance.now() - callStart);
          result.calls++;
          const got = page.Records ?? [];
          for (const record of got) result.bytes += (record.Data?.length ?? 0) + (record.PartitionKey?.length ?? 0);
          result.records += got.length;
          if (got.length === 0 && (page.MillisBehindLatest ?? 0) === 0) return;
          iterator = page.NextShardIterator;
        }
      }),
    );
  } finally {
    kinesis.destroy();
  }
  return result;
}

async function putRecord(kinesis: KinesisClient, task: PutRecordTask): Promise<LatencyResult> {
  await ensureStream(kinesis, task.stream, 1);
  const data = randomBytes(task.dataBytes);
  const latenciesMs: number[] = [];
  let errors = 0;
  let firstError: string | null = null;
  const warmupEnd = performance.now() + task.warmupMs;
  for (let i = 0, measuring = false; latenciesMs.length < task.count; i++) {
    const start = performance.now();
    measuring ||= i > 0 && start >= warmupEnd;
    try {
      await kinesis.send(new PutRecordCommand({ StreamName: task.stream, PartitionKey: `key-${i % 16}`, Data: data }));
      if (measuring) latenciesMs.push(performance.now() - start);
    } catch (error) {
      errors++;
      firstError ??= `${(error as Error).name}: ${(error as Error).message}`;
      if (errors > 20) break;
    }
  }
  return { latenciesMs, errors, firstError };
}

/**
 * PutRecord one at a time on this thread while a consumer on a thread of its own (as a consumer runs apart from its
 * producers) holds a SubscribeToShard: on one thread, the SDK's decoding of each event and its handling of the next
 * call would queue behind each other and both latencies would carry the other's work. Times come from the one
 * monotonic clock both threads read.
 */
async function subscribe(kinesis: KinesisClient, task: SubscribeTask): Promise<SubscribeResult> {
  await ensureStream(kinesis, task.stream, 1);
  const { StreamDescriptionSummary } = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: task.stream }));
  const { Consumer } = await kinesis.send(
    new RegisterStreamConsumerCommand({ StreamARN: StreamDescriptionSummary!.StreamARN!, ConsumerName: "bench" }),
  );
  const consumerArn = Consumer!.ConsumerARN!;
  for (let i = 0; ; i++) {
    const { ConsumerDescription } = await kinesis.send(new DescribeStreamConsumerCommand({ ConsumerARN: consumerArn }));
    if (ConsumerDescription?.ConsumerStatus === "ACTIVE") break;
    if (i > 2000) throw new Error("consumer not ACTIVE");
    await sleep(5);
  }
  const { ShardId } = (await listShards(kinesis, task.stream))[0]!;
  const job: ThreadJob = { kind: "consume", consume: { endpoint: task.endpoint, http: task.http, consumerArn, shardId: ShardId! } };
  const consumer = new Worker(new URL(import.meta.url), { workerData: job });
  try {
    // Subscribed at LATEST before the first put.
    await nextMessage(consumer);
    /** Send times by sequence in the data (the first 4 bytes). */
    const sent = new Map<number, number>();
    const latenciesMs: number[] = [];
    const putLatenciesMs: number[] = [];
    const waiting = new Map<number, () => void>();
    /** The first record whose latency counts: set when the warm-up ends. */
    let firstMeasured = Infinity;
    consumer.on("message", ({ sequence, at }: Arrival) => {
      const sentAt = sent.get(sequence);
      if (sentAt !== undefined && sequence >= firstMeasured) latenciesMs.push(at - sentAt);
      waiting.get(sequence)?.();
      waiting.delete(sequence);
    });
    let consumerFailure: Error | null = null;
    consumer.once("error", (error) => {
      consumerFailure = error;
      for (const resolve of waiting.values()) resolve();
    });
    const data = randomBytes(Math.max(4, task.dataBytes));
    let errors = 0;
    let firstError: string | null = null;
    const warmupEnd = performance.now() + task.warmupMs;
    for (let i = 0; i < firstMeasured + task.count && consumerFailure === null; i++) {
      if (firstMeasured === Infinity && i > 0 && performance.now() >= warmupEnd) firstMeasured = i;
      data.writeUInt32BE(i, 0);
      const arrived = new Promise<void>((resolve) => {
        waiting.set(i, resolve);
        setTimeout(resolve, 5_000).unref();
      });
      const sentAt = monotonicMs();
      sent.set(i, sentAt);
      try {
        await kinesis.send(new PutRecordCommand({ StreamName: task.stream, PartitionKey: "k", Data: data }));
        if (i >= firstMeasured) putLatenciesMs.push(monotonicMs() - sentAt);
      } catch (error) {
        errors++;
        firstError ??= `${(error as Error).name}: ${(error as Error).message}`;
        if (errors > 20) break;
      }
      await arrived;
      await sleep(task.gapMs);
    }
    const lost = task.count - latenciesMs.length;
    if (lost > 0) {
      errors += lost;
      firstError ??= consumerFailure === null ? `${lost} records never arrived within 5 s` : `the consumer failed: ${String(consumerFailure)}`;
    }
    return { latenciesMs, putLatenciesMs, errors, firstError };
  } finally {
    consumer.postMessage("stop");
    await Promise.race([new Promise((resolve) => consumer.once("exit", resolve)), sleep(1_000)]);
    await consumer.terminate();
  }
}

/** Milliseconds on the process's monotonic clock, which every thread reads alike (performance.now() is per thread). */
function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

interface ConsumeJob extends Common {
  readonly consumerArn: string;
  readonly shardId: string;
}

/** A record's event arriving at the consumer thread: the record's sequence (its first 4 bytes) and when. */
interface Arrival {
  readonly sequence: number;
  readonly at: number;
}

/** The consumer thread: subscribes, says so, and reports every record's arrival until told to stop. */
async function consume(job: ConsumeJob): Promise<void> {
  const port = parentPort!;
  const kinesis = client(job);
  const cancel = new AbortController();
  port.once("message", () => cancel.abort());
  try {
    const { EventStream } = await kinesis.send(
      new SubscribeToShardCommand({ ConsumerARN: job.consumerArn, ShardId: job.shardId, StartingPosition: { Type: "LATEST" } }),
      { abortSignal: cancel.signal },
    );
    port.postMessage("subscribed");
    for await (const event of EventStream!) {
      const at = monotonicMs();
      for (const record of event.SubscribeToShardEvent?.Records ?? []) {
        const data = record.Data!;
        const arrival: Arrival = { sequence: Buffer.from(data.buffer, data.byteOffset, data.byteLength).readUInt32BE(0), at };
        port.postMessage(arrival);
      }
    }
  } catch (error) {
    // Cancelling the subscription at the end ends the iteration with an error ("aborted", AbortError): expected.
    if (!cancel.signal.aborted) throw error;
  } finally {
    kinesis.destroy();
  }
}

async function streams(kinesis: KinesisClient, task: StreamsTask): Promise<StreamsResult> {
  const names = Array.from({ length: task.streams }, (_, i) => `${task.prefix}-${i}`);
  const start = performance.now();
  const deadline = start + task.maxMs;
  let createMs = 0;
  let activeMs = 0;
  let writeMs = 0;
  let recordsWritten = 0;
  let error: string | null = null;
  let stoppedByTime = false;
  const pool = async <T>(items: readonly T[], each: (item: T) => Promise<void>): Promise<void> => {
    let next = 0;
    await Promise.all(
      Array.from({ length: task.concurrency }, async () => {
        while (next < items.length) {
          if (performance.now() > deadline) {
            stoppedByTime = true;
            return;
          }
          await each(items[next++]!);
        }
      }),
    );
  };
  try {
    await pool(names, async (name) => {
      await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: task.shardsPerStream }));
    });
    createMs = performance.now() - start;
    await pool(names, (name) => waitActive(kinesis, name, Math.max(1, deadline - performance.now())));
    activeMs = performance.now() - start;
    const hashKeys = Array.from({ length: task.shardsPerStream }, (_, i) =>
      String(((2n ** 128n - 1n) * BigInt(2 * i + 1)) / BigInt(2 * task.shardsPerStream)),
    );
    const data = randomBytes(100);
    await pool(names, async (name) => {
      const response = await kinesis.send(
        new PutRecordsCommand({
          StreamName: name,
          Records: hashKeys.map((hashKey) => ({ PartitionKey: "k", ExplicitHashKey: hashKey, Data: data })),
        }),
      );
      recordsWritten += hashKeys.length - (response.FailedRecordCount ?? 0);
    });
    writeMs = performance.now() - start - activeMs;
  } catch (caught) {
    error = `${(caught as Error).name}: ${(caught as Error).message}`;
  }
  return {
    streams: task.streams,
    shards: task.streams * task.shardsPerStream,
    createMs,
    activeMs,
    writeMs,
    totalMs: performance.now() - start,
    recordsWritten,
    stoppedByTime,
    error,
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** What a thread of the load generator is started for. */
type ThreadJob = { readonly kind: "read-part"; readonly part: ReadPart } | { readonly kind: "consume"; readonly consume: ConsumeJob };

if (isMainThread) {
  childMain(main);
} else {
  const job = workerData as ThreadJob;
  if (job.kind === "consume") {
    void consume(job.consume);
  } else {
    // A read-back thread: says it is ready, then reads once told the deadline.
    const port = parentPort!;
    port.once("message", (deadline: number) => void readPart(job.part, deadline).then((result) => port.postMessage(result)));
    port.postMessage("ready");
  }
}
