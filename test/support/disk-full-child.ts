/**
 * Run under a file-size limit (`ulimit -f`), which makes writes fail like a full disk, as
 * `disk-full-child <dataDir> <fsync policy> <quietStoreMs> <companions>`. Appends to partition 0 until the disk
 * refuses, reports each acknowledgement and the failure as JSON lines, then reads the partition back. Each append
 * has `companions` small appends to other partitions in the same turn, so that under fsync `never` enough plain
 * writes go together to reach the write thread.
 */
import { EmbeddedLogStore, type FsyncPolicy } from "../../src/storage/embedded/embedded-log-store.js";
import { readAll } from "./records.js";

const dataDir = process.argv[2]!;
const fsync = process.argv[3] as FsyncPolicy;
const quietStoreMs = Number(process.argv[4]);
const companions = Number(process.argv[5]);
const store = await EmbeddedLogStore.open({ dataDir, fsync, quietStoreMs });
await store.createLog("full", 1 + companions);
const report = (line: object): void => void process.stdout.write(`${JSON.stringify(line)}\n`);
for (let batch = 0; ; batch++) {
  const records = Array.from({ length: 10 }, (_, i) => ({ key: null, value: Buffer.alloc(1000, (batch * 10 + i) % 251) }));
  try {
    const [result] = await Promise.all([
      store.append("full", 0, records),
      ...Array.from({ length: companions }, (_, i) => store.append("full", 1 + i, [{ key: null, value: Buffer.from([batch % 251]) }])),
    ]);
    report({ acked: result });
  } catch (error) {
    report({ failed: (error as Error).name, code: ((error as Error).cause as NodeJS.ErrnoException | undefined)?.code });
    break;
  }
}
const readable = await readAll(store, "full", 0);
report({ readable: readable.length, endOffset: store.stats("full", 0).endOffset });
await store.close();
