/**
 * The child process of the kill -9 test: `node dist/test/support/append-until-killed.js <dataDir>`.
 *
 * Opens the embedded store on `dataDir` (fsync "always"), creates the log if it is absent, and appends to every
 * partition with several appends in flight, continuing each partition's sequence (kill-workload.ts) from the last
 * record it reads back. After each acknowledgement it prints one Acknowledgement as a JSON line. After a bounded
 * number of appends it idles, waiting to be killed. Recovery messages go to stderr.
 */
import { EmbeddedLogStore } from "../../src/storage/embedded/embedded-log-store.js";
import {
  type Acknowledgement,
  killLog,
  killPartitions,
  killStoreOptions,
  sequencedRecord,
  sequenceOf,
} from "./kill-workload.js";

const inFlightPerPartition = 8;
const maxAppendsPerPartition = 2000;

const dataDir = process.argv[2];
if (dataDir === undefined) throw new Error("usage: append-until-killed <dataDir>");

const store = await EmbeddedLogStore.open({
  dataDir,
  ...killStoreOptions,
  onRecovery: (message) => process.stderr.write(`recovery: ${message}\n`),
});
if (!store.listLogs().includes(killLog)) await store.createLog(killLog, killPartitions);

async function nextSequence(partition: number): Promise<number> {
  const { endOffset } = store.stats(killLog, partition);
  if (endOffset === 0) return 0;
  const { records } = await store.read(killLog, partition, endOffset - 1, { maxRecords: 1, maxBytes: 1 });
  const sequence = sequenceOf(partition, records[0]!.value);
  if (Number.isNaN(sequence)) throw new Error(`the last record of partition ${partition} is not one of its sequence`);
  return sequence + 1;
}

async function appendInLoop(partition: number): Promise<void> {
  let next = await nextSequence(partition);
  const inFlight = new Set<Promise<void>>();
  for (let appends = 0; appends < maxAppendsPerPartition; appends++) {
    if (inFlight.size >= inFlightPerPartition) await Promise.race(inFlight);
    const firstSequence = next;
    const count = 1 + (firstSequence % 4);
    next += count;
    const records = Array.from({ length: count }, (_, i) => sequencedRecord(partition, firstSequence + i));
    const acknowledged = store.append(killLog, partition, records).then((result) => {
      const line: Acknowledgement = { partition, ...result, firstSequence };
      process.stdout.write(`${JSON.stringify(line)}\n`);
    });
    const tracked = acknowledged.finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
  }
  await Promise.all(inFlight);
}

await Promise.all(Array.from({ length: killPartitions }, (_, partition) => appendInLoop(partition)));
// Done before the kill came: stay up so that the kill, not an exit, ends this run.
setInterval(() => undefined, 60_000);
