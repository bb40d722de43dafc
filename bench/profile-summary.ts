/**
 * Summarizes V8 CPU profiles (from `npm run bench -- --profile`, or any `node --cpu-prof` run): where the time went,
 * by function, self time and total time (the function and everything it called).
 *
 *   node dist/bench/profile-summary.js bench/results/profiles/storage-log-8-round-1.cpuprofile [--top 25]
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { fixed, markdownTable, millis } from "./lib/format.js";

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: number[];
}

interface Profile {
  readonly nodes: ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples: number[];
  readonly timeDeltas: number[];
}

function summarize(path: string, top: number): string {
  const profile = JSON.parse(readFileSync(path, "utf8")) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

  // Time of each sample is the delta to the next one; the node sampled is where the CPU was.
  const selfUs = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = profile.timeDeltas[i + 1] ?? 0;
    selfUs.set(profile.samples[i]!, (selfUs.get(profile.samples[i]!) ?? 0) + delta);
  }
  const totalUs = profile.endTime - profile.startTime;
  const name = (node: ProfileNode): string => {
    const { functionName, url, lineNumber } = node.callFrame;
    const file = url.replace(/^file:\/\//, "").replace(/^.*\/(dist|node_modules)\//, "$1/");
    return `${functionName || "(anonymous)"}${file === "" ? "" : ` ${file}:${lineNumber + 1}`}`;
  };

  const self = new Map<string, number>();
  const total = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id)!;
    self.set(name(node), (self.get(name(node)) ?? 0) + us);
    // Count each function once per sample on the stack, however deep its recursion.
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const label = name(byId.get(at)!);
      if (seen.has(label)) continue;
      seen.add(label);
      total.set(label, (total.get(label) ?? 0) + us);
    }
  }
  const rows = (map: Map<string, number>): string[][] =>
    [...map.entries()]
      .filter(([label]) => label !== "(root)")
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([label, us]) => [label, millis(us / 1000), `${fixed((us / totalUs) * 100)}%`]);
  const columns = [{ title: "Function" }, { title: "ms", align: "right" as const }, { title: "of wall time", align: "right" as const }];
  return [
    `## ${path}`,
    "",
    `Wall time ${millis(totalUs / 1000)} ms. (idle) is the main thread waiting: for the disk, the thread pool, timers.`,
    "",
    "### Self time",
    "",
    markdownTable(columns, rows(self)),
    "",
    "### Total time",
    "",
    markdownTable(columns, rows(total)),
    "",
  ].join("\n");
}

const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: "string", default: "25" } } });
if (positionals.length === 0) {
  process.stderr.write("usage: node dist/bench/profile-summary.js <file.cpuprofile>… [--top N]\n");
  process.exitCode = 2;
}
for (const path of positionals) process.stdout.write(summarize(path, Number(values.top)));
