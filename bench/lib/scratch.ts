/**
 * The directory benchmarks write to. It must be on the same filesystem as the project, because that is the disk a
 * Freshet data directory would normally live on: under os.tmpdir() when that is the same filesystem, otherwise under
 * `<project>/.bench-tmp/`. Removed afterwards, also on Ctrl-C.
 */
import { mkdirSync, mkdtempSync, rmdirSync, rmSync, statSync } from "node:fs";
import { statfs } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface Scratch {
  readonly dir: string;
  /** Why it is where it is. */
  readonly placement: "os-tmpdir" | "project";
  /** Deletes the directory (and `.bench-tmp/` if it is then empty). Safe to call twice. */
  remove(): void;
}

export function createScratch(projectRoot: string): Scratch {
  const tmp = tmpdir();
  const sameFilesystem = statSync(tmp).dev === statSync(projectRoot).dev;
  const parent = sameFilesystem ? tmp : join(projectRoot, ".bench-tmp");
  if (!sameFilesystem) mkdirSync(parent, { recursive: true });
  const dir = mkdtempSync(join(parent, "freshet-bench-"));
  let removed = false;
  return {
    dir,
    placement: sameFilesystem ? "os-tmpdir" : "project",
    remove(): void {
      if (removed) return;
      removed = true;
      rmSync(dir, { recursive: true, force: true });
      if (!sameFilesystem) {
        try {
          rmdirSync(parent);
        } catch {
          // not empty: another run is using it
        }
      }
    },
  };
}

export async function freeBytes(dir: string): Promise<number> {
  const stats = await statfs(dir);
  return stats.bavail * stats.bsize;
}
