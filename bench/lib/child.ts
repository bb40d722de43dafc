/**
 * Runs a benchmark phase in a fresh Node process, so that its timings, caches and peak RSS are its own.
 * The child gets the task as JSON in argv[2] and prints its result as one JSON line, last, on stdout;
 * anything it says on stderr goes straight to ours.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { cpuTimes, type PhaseLoad, phaseLoad } from "./cpu-load.js";

/** Added to every child's result. */
export interface ChildRun {
  /** CPU time (user + system) the child used, start-up included. */
  readonly cpuSeconds: number;
  /** How busy the machine was meanwhile, and with what else; null where it cannot be told. */
  readonly load: PhaseLoad | null;
}

export async function runChild<T>(script: URL, task: unknown, nodeArgs: readonly string[] = []): Promise<T & ChildRun> {
  const before = cpuTimes();
  const child = spawn(process.execPath, [...nodeArgs, fileURLToPath(script), JSON.stringify(task)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let stdout = "";
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (chunk: string) => {
    stdout += chunk;
  });
  const exitCode = await new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code, signal) => resolve(signal === null ? code : null));
  });
  if (exitCode !== 0) throw new Error(`benchmark child ${fileURLToPath(script)} failed (exit ${exitCode ?? "by signal"})`);
  const after = cpuTimes();
  const last = stdout.trimEnd().split("\n").at(-1) ?? "";
  let result: T & { cpuSeconds: number };
  try {
    result = JSON.parse(last) as T & { cpuSeconds: number };
  } catch {
    throw new Error(`benchmark child printed no JSON result: ${JSON.stringify(stdout.slice(-500))}`);
  }
  return { ...result, load: phaseLoad(before, after, result.cpuSeconds) };
}

/** The child's side: runs `main` on the task and prints its result. */
export function childMain<Task, Result>(main: (task: Task) => Promise<Result>): void {
  const raw = process.argv[2];
  if (raw === undefined) {
    process.stderr.write("usage: node <child script> '<task as JSON>' (started by bench/run.js)\n");
    process.exit(2);
  }
  main(JSON.parse(raw) as Task).then(
    (result) => {
      const { user, system } = process.cpuUsage();
      process.stdout.write(`${JSON.stringify({ ...result, cpuSeconds: (user + system) / 1e6 })}\n`);
    },
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}

/** Peak resident set size of this process so far, in bytes. */
export function peakRssBytes(): number {
  return process.resourceUsage().maxRSS * 1024;
}
