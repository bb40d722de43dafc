/**
 * Control-plane state (stream definitions, shard maps, consumers, delivery streams): namespaced keys holding JSON
 * values. Reads are served from memory; a commit applies several changes atomically and resolves once durable,
 * so an acknowledged control-plane change survives kill -9.
 */

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export type MetadataChange =
  | { readonly op: "put"; readonly namespace: string; readonly key: string; readonly value: JsonValue }
  | { readonly op: "delete"; readonly namespace: string; readonly key: string };

export interface MetadataStore {
  /** The value, deep-frozen: callers copy before changing it. */
  get(namespace: string, key: string): JsonValue | undefined;
  /** Every entry of a namespace, in key order. */
  list(namespace: string): Array<[key: string, value: JsonValue]>;
  /** All changes take effect together or not at all; resolves once they are durable. */
  commit(changes: readonly MetadataChange[]): Promise<void>;
  close(): Promise<void>;
}

/** The in-memory view both backends keep: applies changes and answers reads. */
export class MetadataTable {
  private readonly namespaces = new Map<string, Map<string, JsonValue>>();

  get(namespace: string, key: string): JsonValue | undefined {
    return this.namespaces.get(namespace)?.get(key);
  }

  list(namespace: string): Array<[string, JsonValue]> {
    const entries = [...(this.namespaces.get(namespace) ?? new Map<string, JsonValue>()).entries()];
    return entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }

  apply(changes: readonly MetadataChange[]): void {
    for (const change of changes) {
      let entries = this.namespaces.get(change.namespace);
      if (change.op === "put") {
        if (entries === undefined) this.namespaces.set(change.namespace, (entries = new Map()));
        entries.set(change.key, deepFreeze(structuredClone(change.value)));
      } else {
        entries?.delete(change.key);
      }
    }
  }

  /** Every live entry as a put: what a snapshot of the table holds. */
  snapshot(): MetadataChange[] {
    const changes: MetadataChange[] = [];
    for (const [namespace, entries] of this.namespaces) {
      for (const [key, value] of entries) changes.push({ op: "put", namespace, key, value });
    }
    return changes;
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
