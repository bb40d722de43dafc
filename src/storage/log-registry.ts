/** The named logs a store holds, with the lookups every backend answers with the same errors. */
import { LogExistsError, LogNotFoundError, PartitionNotFoundError, StoreClosedError } from "./errors.js";

export class LogRegistry<Log extends { readonly partitions: readonly unknown[] }> {
  private readonly logs = new Map<string, Log>();
  private closed = false;

  /** The log's state; LogNotFoundError if there is none, StoreClosedError once closed. */
  get(log: string): Log {
    this.assertOpen();
    const state = this.logs.get(log);
    if (state === undefined) throw new LogNotFoundError(log);
    return state;
  }

  partition(log: string, partition: number): Log["partitions"][number] {
    const found = this.get(log).partitions[partition];
    if (found === undefined) throw new PartitionNotFoundError(log, partition);
    return found;
  }

  /** Fails with LogExistsError if the name is taken. */
  assertAbsent(log: string): void {
    this.assertOpen();
    if (this.logs.has(log)) throw new LogExistsError(log);
  }

  set(log: string, state: Log): void {
    this.logs.set(log, state);
  }

  delete(log: string): void {
    this.logs.delete(log);
  }

  names(): string[] {
    return [...this.logs.keys()];
  }

  entries(): Array<[string, Log]> {
    return [...this.logs.entries()];
  }

  /** Marks the registry closed; returns false if it already was. */
  close(): boolean {
    if (this.closed) return false;
    this.closed = true;
    return true;
  }

  assertOpen(): void {
    if (this.closed) throw new StoreClosedError();
  }
}
