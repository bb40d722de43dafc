/**
 * Benchmark runner: `npm run bench -- [--quick] [--suite storage] [--profile] [--keep]`.
 *
 * Runs each suite on a scratch directory on the project's filesystem, prints its report as Markdown on stdout
 * (progress goes to stderr), and writes it with a JSON version to bench/results/<suite>-latest.{md,json}
 * (<suite>-quick-latest.* for --quick, so a quick run never replaces a full run's numbers).
 * Suites report numbers; they assert nothing about speed.
 */
import { existsSync } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import { loadavg } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { fixed, gibibytes, markdownTable } from "./lib/format.js";
import { type MachineInfo, machineInfo } from "./lib/machine.js";
import { writeResults } from "./lib/results.js";
import { createScratch } from "./lib/scratch.js";
import { firehoseSuite } from "./firehose.js";
import { kinesisSuite } from "./kinesis.js";
import { storageSuite } from "./storage.js";
import type { BenchContext, Suite } from "./suite.js";

const suites: readonly Suite[] = [storageSuite, kinesisSuite, firehoseSuite];

const usage = `usage: npm run bench -- [options]

  --quick          smaller sizes, under about two minutes for every suite
  --suite NAME     run only this suite (repeatable): ${suites.map((s) => s.name).join(", ")}
  --profile        run every child process under --cpu-prof; profiles go to bench/results/profiles/
  --keep           keep the scratch directory (its path is printed) instead of deleting it
  --render         run nothing: write each suite's Markdown again from its saved JSON (with --quick: the quick one)
  --help
`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: "boolean", default: false },
      suite: { type: "string", multiple: true },
      profile: { type: "boolean", default: false },
      keep: { type: "boolean", default: false },
      render: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(usage);
    return;
  }
  const selected = values.suite === undefined ? suites : suites.filter((s) => values.suite!.includes(s.name));
  const unknown = (values.suite ?? []).filter((name) => !suites.some((s) => s.name === name));
  if (unknown.length > 0) throw new Error(`unknown suite ${unknown.join(", ")}\n\n${usage}`);

  const projectRoot = findProjectRoot();
  const resultsDir = join(projectRoot, "bench", "results");
  if (values.render) {
    for (const suite of selected) await renderAgain(suite, resultsDir, values.quick);
    return;
  }
  const profileDir = join(resultsDir, "profiles");
  if (values.profile) await mkdir(profileDir, { recursive: true });
  const log = (message: string): void => void process.stderr.write(`${message}\n`);

  const scratch = createScratch(projectRoot);
  const onSignal = (signal: NodeJS.Signals): void => {
    if (!values.keep) scratch.remove();
    process.kill(process.pid, signal);
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  log(`bench: scratch directory ${scratch.dir} (${scratch.placement === "os-tmpdir" ? "os.tmpdir(), same filesystem as the project" : "in the project: os.tmpdir() is another filesystem"})`);

  try {
    const machine = machineInfo(scratch.dir, projectRoot);
    for (const suite of selected) {
      const suiteDir = join(scratch.dir, suite.name);
      await mkdir(suiteDir);
      const context: BenchContext = {
        quick: values.quick,
        projectRoot,
        scratchDir: suiteDir,
        childNodeArgs: (phase) =>
          values.profile ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=${suite.name}-${phase}.cpuprofile`] : [],
        log,
      };
      const startedAt = new Date();
      const loadAtStart = loadavg()[0] ?? 0;
      log(`bench: ${suite.name} (${values.quick ? "quick" : "full"}): ${suite.description}`);
      const report = await suite.run(context);
      const durationMs = Date.now() - startedAt.getTime();
      const saved: SavedRun = {
        suite: suite.name,
        mode: values.quick ? "quick" : "full",
        startedAt: startedAt.toISOString(),
        durationMs,
        scratchPlacement: scratch.placement,
        loadAverageAtStart: loadAtStart,
        machine,
        results: report.data,
      };
      const markdown = runMarkdown(saved, report.markdown);
      process.stdout.write(markdown);
      const files = await writeResults(resultsDir, resultsName(suite, values.quick), markdown, saved);
      log(`bench: wrote ${files.map((file) => relative(projectRoot, file)).join(", ")}`);
    }
  } finally {
    if (values.keep) log(`bench: kept ${scratch.dir}`);
    else scratch.remove();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

/** A run as its JSON file keeps it. */
interface SavedRun {
  readonly suite: string;
  readonly mode: "quick" | "full";
  readonly startedAt: string;
  readonly durationMs: number;
  readonly scratchPlacement: string;
  readonly loadAverageAtStart: number;
  readonly machine: MachineInfo;
  readonly results: unknown;
}

function resultsName(suite: Suite, quick: boolean): string {
  return `${suite.name}${quick ? "-quick" : ""}-latest`;
}

function runMarkdown(run: SavedRun, suiteMarkdown: string): string {
  return [
    `# Freshet benchmark: ${run.suite}${run.mode === "quick" ? " (quick)" : ""}`,
    "",
    runDescription(run.machine, new Date(run.startedAt), run.durationMs, run.scratchPlacement, run.loadAverageAtStart),
    "",
    suiteMarkdown,
    "",
  ].join("\n");
}

async function renderAgain(suite: Suite, resultsDir: string, quick: boolean): Promise<void> {
  const name = resultsName(suite, quick);
  if (suite.render === undefined) throw new Error(`suite ${suite.name} cannot render its report again`);
  const saved = JSON.parse(await readFile(join(resultsDir, `${name}.json`), "utf8")) as SavedRun;
  await writeResults(resultsDir, name, runMarkdown(saved, suite.render(saved.results, quick)), saved);
  process.stderr.write(`bench: rendered bench/results/${name}.md again from its JSON\n`);
}

function runDescription(
  machine: MachineInfo,
  startedAt: Date,
  durationMs: number,
  placement: string,
  loadAtStart: number,
): string {
  const fs = machine.filesystem;
  const device = [
    fs.rotational === null ? null : `the device reports itself ${fs.rotational ? "rotational" : "non-rotational"}`,
    fs.writeCache === null ? null : `write cache: ${fs.writeCache}`,
  ].filter((part) => part !== null);
  const commit = machine.git === null ? "unknown" : `${machine.git.commit.slice(0, 12)}${machine.git.dirty ? " + uncommitted changes" : ""}`;
  return markdownTable(
    [{ title: "Run" }, { title: "" }],
    [
      ["Started", `${startedAt.toISOString()}, took ${fixed(durationMs / 1000, 0)} s`],
      ["Commit", commit],
      ["CPU", `${machine.cpuModel}, ${machine.logicalCores} logical cores (available parallelism ${machine.availableParallelism})`],
      ["Memory", gibibytes(machine.memoryBytes)],
      ["Load average at start", `${fixed(loadAtStart, 2)} (1 min)`],
      ["OS", machine.os],
      ["Node", `${machine.node} (V8 ${machine.v8}), libuv thread pool ${machine.uvThreadpoolSize}`],
      [
        "Test directory",
        `${fs.path} (${placement === "os-tmpdir" ? "os.tmpdir(), same filesystem as the project" : "inside the project"})`,
      ],
      [
        "Filesystem",
        fs.type === null
          ? "unknown"
          : `${fs.type} on ${fs.device} at ${fs.mountPoint} (${fs.mountOptions})${device.length > 0 ? `; ${device.join(", ")}` : ""}`,
      ],
    ],
  );
}

/** The nearest directory above this file with a package.json: the project, whether run from bench/ or dist/bench/. */
function findProjectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json"))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error("cannot find the project root (no package.json above bench/)");
    dir = parent;
  }
  return dir;
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
