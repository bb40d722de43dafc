/** Writes a suite's report next to the benchmarks: `<name>.md` and `<name>.json`, each replaced atomically. */
import { mkdir, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";

export async function writeResults(dir: string, name: string, markdown: string, data: unknown): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  for (const [file, content] of [
    [`${name}.md`, markdown],
    [`${name}.json`, `${JSON.stringify(data, null, 2)}\n`],
  ] as const) {
    const path = join(dir, file);
    await writeFile(`${path}.tmp`, content);
    await rename(`${path}.tmp`, path);
    written.push(path);
  }
  return written;
}
