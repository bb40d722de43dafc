/** Latency summaries: nearest-rank percentiles over every sample (benchmarks keep all of them; they are few). */

export interface LatencySummary {
  readonly count: number;
  readonly meanMs: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

export function summarizeLatencies(samplesMs: readonly number[]): LatencySummary {
  const sorted = Float64Array.from(samplesMs).sort();
  const count = sorted.length;
  let sum = 0;
  for (const sample of sorted) sum += sample;
  return {
    count,
    meanMs: count === 0 ? 0 : sum / count,
    p50Ms: percentile(sorted, 50),
    p90Ms: percentile(sorted, 90),
    p99Ms: percentile(sorted, 99),
    maxMs: count === 0 ? 0 : sorted[count - 1]!,
  };
}

/** Nearest-rank percentile of an ascending array; 0 when it is empty. */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}
