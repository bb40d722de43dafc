/** What a benchmark ran on: CPU, memory, Node, and the filesystem and block device under the test directory. */
import { execFileSync } from "node:child_process";
import { readFileSync, realpathSync } from "node:fs";
import { availableParallelism, cpus, release, totalmem, type } from "node:os";
import { basename, join, sep } from "node:path";

export interface FilesystemInfo {
  readonly path: string;
  /** ext4, xfs, btrfs, overlay, tmpfs…; null where /proc/mounts cannot be read (not Linux). */
  readonly type: string | null;
  readonly device: string | null;
  readonly mountPoint: string | null;
  readonly mountOptions: string | null;
  /** From /sys/class/block: whether the device says it spins, and its write cache mode ("write back" means flushes matter). */
  readonly rotational: boolean | null;
  readonly writeCache: string | null;
}

export interface MachineInfo {
  readonly cpuModel: string;
  readonly logicalCores: number;
  readonly availableParallelism: number;
  readonly memoryBytes: number;
  readonly os: string;
  readonly node: string;
  readonly v8: string;
  /** libuv's thread pool runs every fs call; it bounds how many writes and fsyncs are in the kernel at once. */
  readonly uvThreadpoolSize: number;
  readonly git: { readonly commit: string; readonly dirty: boolean } | null;
  readonly filesystem: FilesystemInfo;
}

export function machineInfo(testDir: string, projectRoot: string): MachineInfo {
  const cpuList = cpus();
  return {
    cpuModel: cpuList[0]?.model.trim() ?? "unknown",
    logicalCores: cpuList.length,
    availableParallelism: availableParallelism(),
    memoryBytes: totalmem(),
    os: `${type()} ${release()}`,
    node: process.version,
    v8: process.versions.v8,
    uvThreadpoolSize: Number(process.env["UV_THREADPOOL_SIZE"] ?? 4),
    git: gitState(projectRoot),
    filesystem: filesystemInfo(testDir),
  };
}

export function filesystemInfo(path: string): FilesystemInfo {
  const real = realpathSync(path);
  const unknown: FilesystemInfo = {
    path: real,
    type: null,
    device: null,
    mountPoint: null,
    mountOptions: null,
    rotational: null,
    writeCache: null,
  };
  let mounts: string;
  try {
    mounts = readFileSync("/proc/mounts", "utf8");
  } catch {
    return unknown;
  }
  // The longest mount point containing the path; among equals the last listed, which shadows the others.
  let best: { device: string; mountPoint: string; type: string; options: string } | null = null;
  for (const line of mounts.split("\n")) {
    const [device, rawMountPoint, fsType, options] = line.split(" ");
    if (device === undefined || rawMountPoint === undefined || fsType === undefined || options === undefined) continue;
    const mountPoint = unescapeMountField(rawMountPoint);
    const contains = mountPoint === "/" || real === mountPoint || real.startsWith(mountPoint + sep);
    if (contains && (best === null || mountPoint.length >= best.mountPoint.length)) {
      best = { device, mountPoint, type: fsType, options };
    }
  }
  if (best === null) return unknown;
  const queue = blockQueueDir(best.device);
  return {
    path: real,
    type: best.type,
    device: best.device,
    mountPoint: best.mountPoint,
    mountOptions: best.options,
    rotational: queue === null ? null : readSysFlag(join(queue, "rotational")),
    writeCache: queue === null ? null : readSysText(join(queue, "write_cache")),
  };
}

/** /sys/class/block/<dev>/queue, or its parent disk's for a partition (which has no queue of its own). */
function blockQueueDir(device: string): string | null {
  if (!device.startsWith("/dev/")) return null;
  let name: string;
  try {
    name = basename(realpathSync(device));
  } catch {
    return null;
  }
  for (const candidate of [join("/sys/class/block", name, "queue"), join("/sys/class/block", name, "..", "queue")]) {
    try {
      realpathSync(candidate);
      return candidate;
    } catch {
      // try the next
    }
  }
  return null;
}

function readSysText(path: string): string | null {
  try {
    return readFileSync(path, "utf8").trim();
  } catch {
    return null;
  }
}

function readSysFlag(path: string): boolean | null {
  const text = readSysText(path);
  return text === null ? null : text === "1";
}

/** /proc/mounts writes space, tab, newline and backslash as octal escapes. */
function unescapeMountField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));
}

function gitState(projectRoot: string): MachineInfo["git"] {
  try {
    const run = (...args: string[]): string =>
      execFileSync("git", ["-C", projectRoot, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    // The results a previous run left uncommitted are the benchmark's output, not a change to what it measures.
    return { commit: run("rev-parse", "HEAD"), dirty: run("status", "--porcelain", "--", ".", ":(exclude)bench/results").length > 0 };
  } catch {
    return null;
  }
}
