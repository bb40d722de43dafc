import type { AppendRecord, LogStore, StoredRecord } from "../../src/storage/log-store.js";

export function record(value: string, key: string | null = "k"): AppendRecord {
  return { key: key === null ? null : Buffer.from(key), value: Buffer.from(value) };
}

export function values(records: readonly StoredRecord[]): string[] {
  return records.map((r) => r.value.toString());
}

/** Reads a whole partition from its start offset, page by page. */
export async function readAll(store: LogStore, log: string, partition: number, from = 0): Promise<StoredRecord[]> {
  const all: StoredRecord[] = [];
  let offset = from;
  for (;;) {
    const page = await store.read(log, partition, offset, { maxRecords: 1000, maxBytes: 1 << 20 });
    all.push(...page.records);
    if (page.records.length === 0) return all;
    offset = page.nextOffset;
  }
}
