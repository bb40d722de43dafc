import type { AppendRecord, AppendResult, LogStore, StoredRecord } from "../../src/storage/log-store.js";

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

/** Everything a stored record holds, keys and values as hex, so assert.deepEqual compares them byte for byte. */
export interface RecordSnapshot {
  readonly offset: number;
  readonly timestamp: number;
  readonly key: string | null;
  readonly value: string;
}

export function snapshot(records: readonly StoredRecord[]): RecordSnapshot[] {
  return records.map((r) => ({
    offset: r.offset,
    timestamp: r.timestamp,
    key: r.key === null ? null : r.key.toString("hex"),
    value: r.value.toString("hex"),
  }));
}

/** The records an acknowledged append must read back as. */
export function acknowledgedRecords(records: readonly AppendRecord[], result: AppendResult): StoredRecord[] {
  return records.map((r, i) => ({
    offset: result.baseOffset + i,
    timestamp: result.timestamp,
    key: r.key === null ? null : Buffer.from(r.key),
    value: Buffer.from(r.value),
  }));
}
