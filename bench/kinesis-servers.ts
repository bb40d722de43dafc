/**
 * The servers of the kinesis suite, each started as its own child process on 127.0.0.1 and a free port:
 * Freshet (`freshet serve`, durable, default fsync, `--limits off`), kinesalite (on disk, LevelDB), kinesis-mock
 * (npm `kinesis-local`, its Scala.js build run by Node) and the floor (kinesis-floor.ts). Each is watched through
 * /proc/<pid>: peak and current RSS (VmHWM, VmRSS) and CPU time.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export type ServerKind = "freshet" | "kinesalite" | "kinesis-mock" | "floor";

export interface StartOptions {
  /** A directory of the server's own (data, persistence, logs). */
  readonly dir: string;
  /** Extra Node flags (profiling). */
  readonly nodeArgs?: readonly string[];
  /** For the floor: serve cleartext HTTP/2 instead of HTTP/1.1. */
  readonly h2?: boolean;
  /** For kinesalite and kinesis-mock: the most shards the run will create. */
  readonly shardLimit?: number;
  /** For Freshet: more `freshet serve` arguments (a config file). */
  readonly freshetArgs?: readonly string[];
}

export interface RunningServer {
  readonly kind: ServerKind;
  readonly pid: number;
  readonly endpoint: string;
  /** From spawn to the server's listening line (Freshet, kinesalite, floor) or its first answer (kinesis-mock). */
  readonly startMs: number;
  memory(): ProcessMemory;
  /** User + system CPU seconds the process has used. */
  cpuSeconds(): number;
  /** SIGTERM, and SIGKILL if it has not exited within `graceMs`; resolves with how long the exit took. */
  stop(graceMs?: number): Promise<number>;
}

export interface ProcessMemory {
  /** VmHWM: peak resident set size so far. */
  readonly peakRssBytes: number;
  /** VmRSS: resident set size now. */
  readonly rssBytes: number;
}

const here = dirname(fileURLToPath(import.meta.url));
/** dist/src/cli/main.js, next to dist/bench/. */
export const freshetCli = join(here, "..", "src", "cli", "main.js");
const floorScript = join(here, "kinesis-floor.js");
const kinesaliteScript = join(here, "kinesalite-server.js");

export function kinesisMockScript(): string {
  return createRequire(import.meta.url).resolve("kinesis-local/main.js");
}

export async function startServer(kind: ServerKind, options: StartOptions): Promise<RunningServer> {
  const nodeArgs = options.nodeArgs ?? [];
  switch (kind) {
    case "freshet":
      return launch(
        kind,
        [...nodeArgs, freshetCli, "serve", "--port", "0", "--data-dir", options.dir, "--limits", "off", ...(options.freshetArgs ?? [])],
        {},
        "line",
      );
    case "floor":
      return launch(kind, [...nodeArgs, floorScript, ...(options.h2 === true ? ["--h2"] : [])], {}, "line");
    case "kinesalite":
      return launch(
        kind,
        [
          ...nodeArgs,
          kinesaliteScript,
          JSON.stringify({
            path: options.dir,
            createStreamMs: 0,
            deleteStreamMs: 0,
            updateStreamMs: 0,
            shardLimit: options.shardLimit ?? 100,
          }),
        ],
        {},
        "line",
      );
    case "kinesis-mock": {
      const port = await freePort();
      const tlsPort = await freePort();
      const script = kinesisMockScript();
      const zero = "0ms";
      return launch(
        kind,
        [...nodeArgs, script],
        {
          KINESIS_MOCK_PLAIN_PORT: String(port),
          KINESIS_MOCK_TLS_PORT: String(tlsPort),
          KINESIS_MOCK_CERT_PATH: join(dirname(script), "server.json"),
          CREATE_STREAM_DURATION: zero,
          DELETE_STREAM_DURATION: zero,
          REGISTER_STREAM_CONSUMER_DURATION: zero,
          DEREGISTER_STREAM_CONSUMER_DURATION: zero,
          UPDATE_SHARD_COUNT_DURATION: zero,
          SHARD_LIMIT: String(options.shardLimit ?? 100),
          ON_DEMAND_STREAM_COUNT_LIMIT: "1000",
          LOG_LEVEL: "ERROR",
          SHOULD_PERSIST_DATA: "false",
        },
        { port },
        options.dir,
      );
    }
  }
}

/** Spawns a server and waits until it listens: a JSON line with a port on stdout, or answers on a known port. */
async function launch(
  kind: ServerKind,
  args: string[],
  env: NodeJS.ProcessEnv,
  ready: "line" | { port: number },
  cwd?: string,
): Promise<RunningServer> {
  const started = performance.now();
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
    ...(cwd === undefined ? {} : { cwd }),
  });
  let stderr = "";
  child.stderr!.setEncoding("utf8");
  child.stderr!.on("data", (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const exited = new Promise<never>((_, reject) =>
    child.once("exit", (code, signal) =>
      reject(new Error(`${kind} exited (${code ?? signal}) before listening: ${stderr.trim()}`)),
    ),
  );
  exited.catch(() => undefined);
  let port: number;
  if (ready === "line") {
    port = await Promise.race([listeningPort(child), exited, timeout(60_000, `${kind} did not start`)]);
  } else {
    port = ready.port;
    await Promise.race([answering(port), exited, timeout(60_000, `${kind} did not start`)]);
  }
  const startMs = performance.now() - started;
  const pid = child.pid!;
  return {
    kind,
    pid,
    endpoint: `http://127.0.0.1:${port}`,
    startMs,
    memory: () => processMemory(pid),
    cpuSeconds: () => processCpuSeconds(pid),
    stop: (graceMs = 20_000) => stopChild(child, graceMs),
  };
}

/** The port of the first stdout line that is JSON with a `port` and a `msg` ending in "listening"; keeps draining stdout. */
function listeningPort(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    let pending = "";
    let found = false;
    child.stdout!.setEncoding("utf8");
    child.stdout!.on("data", (chunk: string) => {
      if (found) return;
      pending += chunk;
      const lines = pending.split("\n");
      pending = lines.pop()!;
      for (const line of lines) {
        let entry: { msg?: unknown; port?: unknown };
        try {
          entry = JSON.parse(line) as typeof entry;
        } catch {
          continue;
        }
        if (typeof entry.msg === "string" && entry.msg.endsWith("listening") && typeof entry.port === "number") {
          found = true;
          pending = "";
          resolve(entry.port);
          return;
        }
      }
    });
  });
}

/** Polls until the port answers an HTTP request (any status). */
async function answering(port: number): Promise<void> {
  for (;;) {
    try {
      await fetch(`http://127.0.0.1:${port}/`, { method: "POST", body: "{}" });
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}

function timeout(ms: number, message: string): Promise<never> {
  return new Promise((_, reject) => setTimeout(() => reject(new Error(message)), ms).unref());
}

async function stopChild(child: ChildProcess, graceMs: number): Promise<number> {
  const started = performance.now();
  if (child.exitCode !== null || child.signalCode !== null) return 0;
  const exit = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const killer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await exit;
  clearTimeout(killer);
  return performance.now() - started;
}

export function processMemory(pid: number): ProcessMemory {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, "utf8");
  } catch {
    return { peakRssBytes: 0, rssBytes: 0 };
  }
  const field = (name: string): number => {
    const match = new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status);
    return match === null ? 0 : Number(match[1]) * 1024;
  };
  return { peakRssBytes: field("VmHWM"), rssBytes: field("VmRSS") };
}

export function processCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may contain spaces) in parentheses: utime is the 14th field, stime the 15th.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
