/** What the runner (run.ts) gives a benchmark suite, and what a suite gives back. */

export interface BenchContext {
  /** `--quick`: a smaller run, under about a minute. */
  readonly quick: boolean;
  readonly projectRoot: string;
  /** An empty directory on the project's filesystem for this suite, removed after the run. */
  readonly scratchDir: string;
  /** Node flags for a child process running the named phase (`--cpu-prof …` under `--profile`). */
  childNodeArgs(phase: string): string[];
  /** Progress, on stderr; stdout carries only the report. */
  log(message: string): void;
}

export interface SuiteReport {
  /** Markdown sections (no top-level title: the runner adds it with the machine description). */
  readonly markdown: string;
  /** Everything measured, for the JSON file. */
  readonly data: unknown;
}

export interface Suite {
  readonly name: string;
  readonly description: string;
  run(context: BenchContext): Promise<SuiteReport>;
  /** The Markdown of a report again from its saved data (`--render`), e.g. after the report's wording changed. */
  render?(data: unknown, quick: boolean): string;
}
