/**
 * Evicting files from the page cache before a cold read, as far as this machine allows:
 *   1. `sync` and write 3 to /proc/sys/vm/drop_caches: the whole cache; needs root outside a locked-down container.
 *   2. otherwise `dd iflag=nocache count=0` per file: posix_fadvise(DONTNEED), unprivileged, drops that file's clean pages.
 * How much of the files is still cached is then measured with util-linux `fincore` when it is installed.
 * A virtual machine's host may cache the disk image as well; nothing inside the guest can drop that.
 */
import { execFileSync } from "node:child_process";
import { statSync, writeFileSync } from "node:fs";

export interface CacheDrop {
  readonly method: "drop_caches" | "fadvise" | "none";
  /** Why the stronger methods were not used, when they were not. */
  readonly notes: string[];
  /** Fraction of the files' bytes in the page cache right after the drop; null without fincore. */
  readonly residentAfter: number | null;
}

export function dropPageCache(files: readonly string[]): CacheDrop {
  const notes: string[] = [];
  run("sync", []);
  let method: CacheDrop["method"] = "none";
  try {
    writeFileSync("/proc/sys/vm/drop_caches", "3");
    method = "drop_caches";
  } catch (error) {
    notes.push(`drop_caches: ${errorCode(error)}`);
  }
  if (method === "none") {
    try {
      for (const file of files) run("dd", [`if=${file}`, "iflag=nocache", "count=0", "status=none"]);
      method = "fadvise";
    } catch (error) {
      notes.push(`dd iflag=nocache: ${errorCode(error)}`);
    }
  }
  return { method, notes, residentAfter: residentFraction(files) };
}

/** Fraction of the files' bytes that are in the page cache, or null when fincore is not available. */
export function residentFraction(files: readonly string[]): number | null {
  if (files.length === 0) return 0;
  let resident = 0;
  let total = 0;
  try {
    const output = run("fincore", ["--bytes", "--noheadings", "--raw", "--output", "RES", ...files]);
    for (const line of output.split("\n")) if (line.trim() !== "") resident += Number(line.trim());
    for (const file of files) total += statSync(file).size;
  } catch {
    return null;
  }
  return total === 0 ? 0 : Math.min(1, resident / total);
}

function run(command: string, args: string[]): string {
  return execFileSync(command, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

function errorCode(error: unknown): string {
  const { code, status } = error as { code?: string; status?: number };
  return code ?? (status === undefined ? String(error) : `exit status ${status}`);
}
