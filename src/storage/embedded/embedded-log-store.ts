/**
 * The embedded, durable log store: logs of partitions on local disk.
 *
 * Directory `<dataDir>/logs/`:
 *   <encoded name>/log.json         {"name", "id", "partitionCount", "retention"}; written atomically, last on create
 *                                   (`id`: 16 hex digits, new for every create, names the log in the write-ahead file)
 *   <encoded name>/<n>/             partition n (partition.ts)
 *   <encoded name>.deleting-<id>/   a log being deleted; removed at the next open if a crash interrupted it
 *
 * A log directory without log.json is a create that never finished and is removed; partition directories past
 * `partitionCount` are an addPartitions that never finished and are removed.
 *
 * Directory `<dataDir>/write-ahead/`: under fsync `always`, the write-ahead file that makes rounds durable
 * (write-ahead-log.ts). At open, what a crash left there is put back into the logs, and then deleted.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { mkdir, readdir, readFile, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { logStorageDefaults } from "../../config/limits.js";
import { type Clock, systemClock } from "../../util/clock.js";
import {
  InvalidAppendError,
  LogNotFoundError,
} from "../errors.js";
import { LogRegistry } from "../log-registry.js";
import {
  type AppendRecord,
  type AppendResult,
  keepForever,
  type LogStore,
  type PartitionStats,
  type ReadLimits,
  type ReadResult,
  type RetentionPolicy,
} from "../log-store.js";
import { fsyncDirectory, isNotFound, writeFileAtomic } from "../../util/files.js";
import { IndexCache } from "./index-cache.js";
import { Partition, type PartitionOptions, type PartitionWriteAhead } from "./partition.js";
import { logIdBytes, RecoveredWriteAhead, WriteAheadLog } from "./write-ahead-log.js";

export type FsyncPolicy = "always" | "interval" | "never";

export interface EmbeddedLogStoreOptions {
  readonly dataDir: string;
  readonly fsync?: FsyncPolicy;
  readonly clock?: Clock;
  readonly segmentBytes?: number;
  readonly segmentMs?: number;
  readonly indexIntervalBytes?: number;
  readonly writeAheadCheckpointBytes?: number;
  /** See logStorageDefaults.quietStoreMs; tests choose 0 (every lone round writes from the event loop) or Infinity. */
  readonly quietStoreMs?: number;
  /** With `fsync: "interval"`, flush on a timer (a live server); tests leave this off and call flush() directly. */
  readonly background?: boolean;
  /** Told about recovery actions (a torn tail cut, an unfinished create removed). */
  readonly onRecovery?: (message: string) => void;
}

interface LogState {
  readonly name: string;
  readonly id: Buffer;
  readonly dir: string;
  readonly partitions: Partition[];
  retention: RetentionPolicy;
}

interface LogManifest {
  readonly name: string;
  /** Absent in manifests written before the write-ahead file: one is given at open. */
  readonly id?: string;
  readonly partitionCount: number;
  readonly retention: RetentionPolicy;
}

const manifestFile = "log.json";
const deletingMarker = ".deleting-";
const writeAheadDir = "write-ahead";

export class EmbeddedLogStore implements LogStore {
  private readonly logs = new LogRegistry<LogState>();
  private readonly timers: NodeJS.Timeout[] = [];

  private constructor(
    private readonly root: string,
    private readonly partitionOptions: PartitionOptions,
    /** Present under fsync `always`. */
    private readonly writeAhead: WriteAheadLog | null,
  ) {}

  static async open(options: EmbeddedLogStoreOptions): Promise<EmbeddedLogStore> {
    const root = join(options.dataDir, "logs");
    await mkdir(root, { recursive: true });
    const onRecovery = options.onRecovery ?? (() => undefined);
    const fsync = options.fsync ?? "always";
    const writeAheadPath = join(options.dataDir, writeAheadDir);
    // Read whatever the policy is now: what a crash left there was acknowledged under `always`.
    const recovered = await RecoveredWriteAhead.read(writeAheadPath, onRecovery);
    const writeAhead =
      fsync === "always"
        ? await WriteAheadLog.create(writeAheadPath, recovered.nextNumber, {
            checkpointBytes: options.writeAheadCheckpointBytes ?? logStorageDefaults.writeAheadCheckpointBytes,
            quietMs: options.quietStoreMs ?? logStorageDefaults.quietStoreMs,
            syncSegments: () => store.flush(),
            onProblem: onRecovery,
          })
        : null;
    const partitionOptions: PartitionOptions = {
      segmentBytes: options.segmentBytes ?? logStorageDefaults.segmentBytes,
      segmentMs: options.segmentMs ?? logStorageDefaults.segmentMs,
      indexIntervalBytes: options.indexIntervalBytes ?? logStorageDefaults.indexIntervalBytes,
      readChunkBytes: logStorageDefaults.readChunkBytes,
      clock: options.clock ?? systemClock,
      indexCache: new IndexCache(logStorageDefaults.cachedSegmentIndexes),
      onRecovery,
    };
    const store: EmbeddedLogStore = new EmbeddedLogStore(root, partitionOptions, writeAhead);
    try {
      for (const entry of await readdir(root)) {
        const dir = join(root, entry);
        if (entry.includes(deletingMarker)) {
          await rm(dir, { recursive: true, force: true });
          continue;
        }
        const manifest = await readManifest(dir);
        if (manifest === null) {
          onRecovery(`removed ${dir}: a log creation that did not finish`);
          await rm(dir, { recursive: true, force: true });
          continue;
        }
        await store.openLog(dir, manifest, recovered);
      }
    } catch (error) {
      // The write-ahead files are kept: they may hold records of the logs that failed to open.
      await store.close();
      throw error;
    }
    await recovered.discard(writeAhead === null);
    await store.enforceRetention();
    if (options.background) store.startTimers(fsync);
    return store;
  }

  async createLog(log: string, partitionCount: number, retention: RetentionPolicy = keepForever): Promise<void> {
    this.logs.assertAbsent(log);
    if (!Number.isSafeInteger(partitionCount) || partitionCount < 1) {
      throw new RangeError(`a log needs at least one partition, got ${partitionCount}`);
    }
    const dir = join(this.root, encodeLogName(log));
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir);
    const id = randomBytes(logIdBytes);
    const partitions = await this.openPartitions(log, id, dir, 0, partitionCount, null);
    const state: LogState = { name: log, id, dir, partitions, retention };
    try {
      // The manifest comes last: its presence marks a finished create, and its directory fsync makes the partition
      // directories' entries durable too.
      await this.writeManifest(state, partitionCount);
      await fsyncDirectory(this.root);
    } catch (error) {
      await Promise.all(partitions.map((partition) => partition.close()));
      throw error;
    }
    this.logs.set(log, state);
  }

  async deleteLog(log: string): Promise<void> {
    const state = this.logs.get(log);
    this.logs.delete(log);
    await Promise.all(state.partitions.map((partition) => partition.close(new LogNotFoundError(log))));
    const doomed = `${state.dir}${deletingMarker}${randomUUID()}`;
    await rename(state.dir, doomed);
    await fsyncDirectory(this.root);
    await rm(doomed, { recursive: true, force: true });
  }

  listLogs(): string[] {
    return this.logs.names();
  }

  partitionCount(log: string): number {
    return this.logs.get(log).partitions.length;
  }

  async addPartitions(log: string, count: number): Promise<number> {
    const state = this.logs.get(log);
    const first = state.partitions.length;
    const added = await this.openPartitions(log, state.id, state.dir, first, count, null);
    await this.writeManifest(state, first + count);
    state.partitions.push(...added);
    return first;
  }

  async setRetention(log: string, retention: RetentionPolicy): Promise<void> {
    const state = this.logs.get(log);
    state.retention = retention;
    await this.writeManifest(state, state.partitions.length);
  }

  async append(log: string, partition: number, records: readonly AppendRecord[]): Promise<AppendResult> {
    if (records.length === 0) throw new InvalidAppendError("an append needs at least one record");
    return this.logs.partition(log, partition).append(records);
  }

  async read(log: string, partition: number, fromOffset: number, limits: ReadLimits): Promise<ReadResult> {
    return this.logs.partition(log, partition).read(fromOffset, limits);
  }

  async offsetForTimestamp(log: string, partition: number, timestamp: number): Promise<number> {
    return this.logs.partition(log, partition).offsetForTimestamp(timestamp);
  }

  async trim(log: string, partition: number, beforeOffset: number): Promise<void> {
    return this.logs.partition(log, partition).trim(beforeOffset);
  }

  stats(log: string, partition: number): PartitionStats {
    return this.logs.partition(log, partition).stats();
  }

  async waitForAppend(log: string, partition: number, offset: number, signal?: AbortSignal): Promise<void> {
    return this.logs.partition(log, partition).waitForAppend(offset, signal);
  }

  async enforceRetention(): Promise<void> {
    for (const state of this.logs.entries().map(([, state]) => state)) {
      if (state.retention.retentionMs === null && state.retention.retentionBytes === null) continue;
      for (const partition of state.partitions) await partition.enforceRetention(state.retention);
    }
  }

  /** Makes everything appended so far durable (what `--fsync interval` does on its timer). */
  async flush(): Promise<void> {
    for (const [, state] of this.logs.entries()) {
      for (const partition of state.partitions) await partition.flush();
    }
  }

  async close(): Promise<void> {
    if (!this.logs.close()) return;
    for (const timer of this.timers) clearInterval(timer);
    const partitions = this.logs.entries().map(([, state]) => state).flatMap((state) => state.partitions);
    await Promise.all(partitions.map((partition) => partition.close()));
    // A fenced partition's last acknowledged rounds may be only in the write-ahead file: keep it for the next open.
    await this.writeAhead?.close(!partitions.some((partition) => partition.isFenced));
  }

  private async openLog(dir: string, manifest: LogManifest, recovered: RecoveredWriteAhead): Promise<void> {
    const idGiven = manifest.id !== undefined && /^[0-9a-f]{16}$/.test(manifest.id);
    const state: LogState = {
      name: manifest.name,
      id: idGiven ? Buffer.from(manifest.id!, "hex") : randomBytes(logIdBytes),
      dir,
      partitions: [],
      retention: manifest.retention,
    };
    // Without an id the log was last written before there was a write-ahead file, so nothing there is its.
    if (!idGiven) await this.writeManifest(state, manifest.partitionCount);
    state.partitions.push(
      ...(await this.openPartitions(manifest.name, state.id, dir, 0, manifest.partitionCount, idGiven ? recovered : null)),
    );
    for (const entry of await readdir(dir)) {
      const n = Number(entry);
      if (Number.isInteger(n) && n >= manifest.partitionCount) {
        this.partitionOptions.onRecovery(`removed partition ${entry} of ${dir}: an addition that did not finish`);
        await rm(join(dir, entry), { recursive: true, force: true });
      }
    }
    this.logs.set(manifest.name, state);
  }

  /**
   * Opens (creating where new) partitions `first` … `first + count - 1` side by side: their file work and fsyncs
   * overlap, which is most of what creating a stream or restarting costs. If any fails, the others are closed again.
   */
  private async openPartitions(
    log: string,
    id: Buffer,
    dir: string,
    first: number,
    count: number,
    recovered: RecoveredWriteAhead | null,
  ): Promise<Partition[]> {
    const opened = await Promise.allSettled(
      Array.from({ length: count }, (_, i) => {
        const n = first + i;
        const partitionWriteAhead: PartitionWriteAhead = {
          file: this.writeAhead,
          logId: id,
          recovered: recovered?.batchesFor(id, n) ?? [],
        };
        return Partition.open(log, n, join(dir, String(n)), this.partitionOptions, partitionWriteAhead);
      }),
    );
    const partitions = opened.flatMap((outcome) => (outcome.status === "fulfilled" ? [outcome.value] : []));
    const failure = opened.find((outcome) => outcome.status === "rejected");
    if (failure === undefined) return partitions;
    await Promise.all(partitions.map((partition) => partition.close()));
    throw failure.reason;
  }

  private async writeManifest(state: LogState, partitionCount: number): Promise<void> {
    const manifest: LogManifest = { name: state.name, id: state.id.toString("hex"), partitionCount, retention: state.retention };
    await writeFileAtomic(join(state.dir, manifestFile), JSON.stringify(manifest));
  }

  private startTimers(fsync: FsyncPolicy): void {
    if (fsync !== "interval") return;
    const onError = (error: unknown): void => this.partitionOptions.onRecovery(`interval flush failed: ${String(error)}`);
    this.timers.push(setInterval(() => void this.flush().catch(onError), logStorageDefaults.fsyncIntervalMs).unref());
  }
}

/** Log names become directory names: anything but letters, digits, `_` and `-` is percent-encoded. */
function encodeLogName(log: string): string {
  return encodeURIComponent(log).replace(/[.!'()*~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

async function readManifest(dir: string): Promise<LogManifest | null> {
  try {
    return JSON.parse(await readFile(join(dir, manifestFile), "utf8")) as LogManifest;
  } catch (error) {
    if (isNotFound(error) || error instanceof SyntaxError) return null;
    throw error;
  }
}
