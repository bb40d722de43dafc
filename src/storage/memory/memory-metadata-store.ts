import { type MetadataChange, type MetadataStore, MetadataTable, type JsonValue } from "../metadata-store.js";
import { StoreClosedError } from "../errors.js";

/** Metadata in memory only: for tests and `--in-memory`. */
export class MemoryMetadataStore implements MetadataStore {
  private readonly table = new MetadataTable();
  private closed = false;

  get(namespace: string, key: string): JsonValue | undefined {
    return this.table.get(namespace, key);
  }

  list(namespace: string): Array<[string, JsonValue]> {
    return this.table.list(namespace);
  }

  async commit(changes: readonly MetadataChange[]): Promise<void> {
    if (this.closed) throw new StoreClosedError();
    this.table.apply(changes);
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
