/**
 * The embedded metadata store: an append-only journal of atomic change sets, replayed into memory at start.
 *
 * File `<dataDir>/metadata/journal`, a sequence of entries (big-endian):
 *
 *   offset size  field
 *   0      4     length   bytes of payload
 *   4      4     crc      CRC32C of payload
 *   8      n     payload  UTF-8 JSON array of MetadataChange, applied all together
 *
 * A commit is acknowledged after its entry is fdatasync'd; commits that arrive while one is being written share the
 * next write and fdatasync. At start, a torn or corrupt last entry (a crash during a commit that was never
 * acknowledged) is cut off. When the journal outgrows its live data it is rewritten as a single entry holding every
 * live key (written to `journal.tmp`, synced, renamed over), so it stays small.
 */
import { crc32c } from "@node-rs/crc32";
import { type FileHandle, mkdir, open, readFile } from "node:fs/promises";
import { join } from "node:path";
import { metadataJournalCompactBytes } from "../../config/limits.js";
import { StorageIoError, StoreClosedError } from "../errors.js";
import { type JsonValue, type MetadataChange, type MetadataStore, MetadataTable } from "../metadata-store.js";
import { isNotFound, writeFileAtomic, writeFully } from "../../util/files.js";

const entryHeaderBytes = 8;

interface QueuedCommit {
  readonly entry: Buffer;
  readonly changes: readonly MetadataChange[];
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

export class MetadataJournal implements MetadataStore {
  private readonly table = new MetadataTable();
  private serial: Promise<unknown> = Promise.resolve();
  private queued: QueuedCommit[] = [];
  private closed = false;
  /** Size of the journal right after its last rewrite: the live data, give or take. */
  private compactedBytes: number;

  private constructor(
    private readonly path: string,
    private handle: FileHandle,
    private fileBytes: number,
  ) {
    this.compactedBytes = fileBytes;
  }

  static async open(dataDir: string, onRecovery: (message: string) => void = () => undefined): Promise<MetadataJournal> {
    const dir = join(dataDir, "metadata");
    await mkdir(dir, { recursive: true });
    const path = join(dir, "journal");
    let bytes = Buffer.alloc(0);
    try {
      bytes = await readFile(path);
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    const changeSets: MetadataChange[][] = [];
    const validBytes = readEntries(bytes, changeSets);
    const handle = await open(path, bytes.length === 0 ? "w+" : "r+");
    if (validBytes < bytes.length) {
      onRecovery(`cut ${bytes.length - validBytes} bytes of an unfinished commit from the end of ${path}`);
      await handle.truncate(validBytes);
      await handle.datasync();
    }
    const journal = new MetadataJournal(path, handle, validBytes);
    for (const changes of changeSets) journal.table.apply(changes);
    return journal;
  }

  get(namespace: string, key: string): JsonValue | undefined {
    return this.table.get(namespace, key);
  }

  list(namespace: string): Array<[string, JsonValue]> {
    return this.table.list(namespace);
  }

  commit(changes: readonly MetadataChange[]): Promise<void> {
    if (this.closed) return Promise.reject(new StoreClosedError());
    const entry = encodeEntry(changes);
    return new Promise((resolve, reject) => {
      this.queued.push({ entry, changes, resolve, reject });
      if (this.queued.length === 1) void this.runSerially(() => this.writeQueued());
    });
  }

  /** Group commit: every change set queued while the previous round ran is written and made durable together. */
  private async writeQueued(): Promise<void> {
    const round = this.queued;
    this.queued = [];
    const entries = round.map((commit) => commit.entry);
    try {
      await writeFully(this.handle, entries, this.fileBytes);
      await this.handle.datasync();
    } catch (error) {
      await this.handle.truncate(this.fileBytes).catch(() => undefined);
      const code = (error as NodeJS.ErrnoException).code ?? "unknown error";
      const failure = new StorageIoError(`metadata commit failed: ${code}`, { cause: error });
      for (const commit of round) commit.reject(failure);
      return;
    }
    try {
      for (const commit of round) {
        this.fileBytes += commit.entry.length;
        this.table.apply(commit.changes);
      }
      if (this.fileBytes > metadataJournalCompactBytes && this.fileBytes > 2 * this.compactedBytes) await this.compact();
    } catch (error) {
      for (const commit of round) commit.reject(error);
      return;
    }
    for (const commit of round) commit.resolve();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.runSerially(() => this.handle.close());
  }

  private async compact(): Promise<void> {
    const snapshot = encodeEntry(this.table.snapshot());
    await this.handle.close();
    await writeFileAtomic(this.path, snapshot);
    this.handle = await open(this.path, "r+");
    this.fileBytes = snapshot.length;
    this.compactedBytes = snapshot.length;
  }

  private runSerially<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.serial.then(operation);
    this.serial = result.catch(() => undefined);
    return result;
  }
}

function encodeEntry(changes: readonly MetadataChange[]): Buffer {
  const payload = Buffer.from(JSON.stringify(changes), "utf8");
  const entry = Buffer.allocUnsafe(entryHeaderBytes + payload.length);
  entry.writeUInt32BE(payload.length, 0);
  entry.writeUInt32BE(crc32c(payload), 4);
  payload.copy(entry, entryHeaderBytes);
  return entry;
}

/** Decodes whole, intact entries into `into` and returns how many bytes they span. */
function readEntries(bytes: Buffer, into: MetadataChange[][]): number {
  let at = 0;
  while (bytes.length - at >= entryHeaderBytes) {
    const length = bytes.readUInt32BE(at);
    const end = at + entryHeaderBytes + length;
    if (end > bytes.length) break;
    const payload = bytes.subarray(at + entryHeaderBytes, end);
    if (crc32c(payload) !== bytes.readUInt32BE(at + 4)) break;
    let changes: MetadataChange[];
    try {
      changes = JSON.parse(payload.toString("utf8")) as MetadataChange[];
    } catch {
      break;
    }
    into.push(changes);
    at = end;
  }
  return at;
}
