/**
 * How busy the whole machine was while a benchmark phase ran, and how much of that was the phase itself: on a shared
 * machine (other builds and test runs, a VM's neighbours) throughput numbers mean little without it.
 * Linux only (/proc/stat); elsewhere nothing is reported.
 */
import { readFileSync } from "node:fs";

const userHz = 100;

export interface CpuTimes {
  /** Seconds of CPU time across all CPUs: busy (user, nice, system, irq, softirq, steal) and in all. */
  readonly busySeconds: number;
  readonly totalSeconds: number;
  readonly stealSeconds: number;
}

export interface PhaseLoad {
  /** Share of all CPUs' time that was busy during the phase, 0…1. */
  readonly machineBusy: number;
  /** Share of all CPUs' time used by processes other than the phase's own (kernel I/O threads included), 0…1. */
  readonly others: number;
  /** Share of all CPUs' time the hypervisor gave to other guests, 0…1. */
  readonly steal: number;
}

export function cpuTimes(): CpuTimes | null {
  let stat: string;
  try {
    stat = readFileSync("/proc/stat", "utf8");
  } catch {
    return null;
  }
  const fields = stat.split("\n")[0]?.trim().split(/\s+/).slice(1).map(Number) ?? [];
  // user nice system idle iowait irq softirq steal (guest times are already inside user and nice)
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = fields;
  const busy = user + nice + system + irq + softirq + steal;
  return { busySeconds: busy / userHz, totalSeconds: (busy + idle + iowait) / userHz, stealSeconds: steal / userHz };
}

/** The load between two readings, given the CPU seconds the phase's own process used. */
export function phaseLoad(before: CpuTimes | null, after: CpuTimes | null, ownCpuSeconds: number): PhaseLoad | null {
  if (before === null || after === null) return null;
  const total = after.totalSeconds - before.totalSeconds;
  if (total <= 0) return null;
  const busy = after.busySeconds - before.busySeconds;
  const steal = after.stealSeconds - before.stealSeconds;
  return {
    machineBusy: busy / total,
    others: Math.max(0, busy - steal - ownCpuSeconds) / total,
    steal: steal / total,
  };
}
