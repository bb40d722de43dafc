/**
 * The store's write-ahead file under fsync `always`: one durable write per group of write rounds, whichever
 * partitions they belong to, instead of one durable write per partition.
 *
 * A partition's write round writes its batches into its segment without syncing it, then hands them here; they are
 * acknowledged once the frame holding them is on disk. Frames are written one at a time, each with every round that
 * arrived while the previous one was being written (group commit across partitions), through a descriptor opened
 * with O_DSYNC: one trip to the thread pool and one journal commit for all of them. On this kind of machine each
 * trip to the thread pool costs tens of microseconds of CPU, so 64 partitions written in one turn cost one durable
 * write here where they would cost 64.
 *
 * Checkpoint: once the file holds `checkpointBytes`, frames go to a new file, every partition syncs its segment, and
 * the old file becomes the spare (any older one is deleted). After a crash, the frames left are replayed into segments
 * that lost their unsynced tail (partition.ts), and the files are deleted once every log is open.
 *
 * Files are reused: the next file is the spare renamed, written over from its start. Writing within a file's
 * existing blocks changes nothing the journal must commit, so each O_DSYNC write costs the disk one flush of its
 * data, where a write that makes the file longer also commits the new size through the file system's journal (on
 * the benchmark's VM with ext4, about a third of the time and kernel CPU of a frame's write). Each frame names the
 * file it was written to, so what is left of the file's earlier use after the last frame is never taken for a frame
 * of this one.
 *
 * Directory `<dataDir>/write-ahead/`: `<number>.wal` files, numbered upwards, zero-padded to 20 digits, and `spare`.
 *
 * Frame layout (big-endian):
 *
 *   offset size  field
 *   0      4     crc          CRC32C of bytes [4, 24 + 16 × entryCount): this header and the entry table
 *   4      4     magic        0x46574132 ("FWA2")
 *   8      8     file         the number of the file the frame was written to
 *   16     4     sequence     the frame's number in its file, from 0
 *   20     4     entryCount   ≥ 1
 *   24     …     entry table, 16 bytes an entry: logId (8), partition (4), byteLength (4)
 *   …      …     the entries' bytes in table order: whole record batches (batch.ts), each with its own CRC
 *
 * Frames of builds that did not reuse files ("FWA1": the same without `file`) are still read after a crash.
 *
 * A frame that fails any check (a torn write, or bytes left from the file's earlier use) and everything after it is
 * ignored: it was never acknowledged, because frames are written one at a time and acknowledged only when written.
 */
import { crc32c } from "@node-rs/crc32";
import { constants } from "node:fs";
import { type FileHandle, mkdir, open, readdir, readFile, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { CorruptDataError, StoreClosedError } from "../errors.js";
import { durableWrites, fsyncDirectory, isNotFound, writeFully } from "../../util/files.js";
import { readBatchHeader, verifyBatch } from "./batch.js";
import { readUint64, writeUint64 } from "./uint64.js";

/** Names a log in the write-ahead file: its manifest's id, 8 bytes, so a re-created log is never taken for the old one. */
export const logIdBytes = 8;

const frameMagic = 0x46574132;
const frameHeaderBytes = 24;
const legacyFrameMagic = 0x46574131;
const legacyFrameHeaderBytes = 16;
const entryHeaderBytes = 16;
const fileSuffix = ".wal";
/** A checkpointed file kept to be written over as the next one; not read after a crash (no `.wal` suffix). */
const spareName = "spare";

interface QueuedEntry {
  readonly logId: Buffer;
  readonly partition: number;
  readonly batches: readonly Buffer[];
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

export interface WriteAheadOptions {
  /** The file is checkpointed (and a new one started) once it holds this many bytes. */
  readonly checkpointBytes: number;
  /** Makes every partition's segment durable up to everything written so far. */
  readonly syncSegments: () => Promise<void>;
  /** `quiet` holds once no round has been in flight (nor the file been created) for this long. */
  readonly quietMs: number;
  /** Told about a checkpoint that failed (the files it would have deleted are kept, and tried again later). */
  readonly onProblem: (message: string) => void;
}

/** What the write-ahead files left by the previous run hold, read at open. */
export class RecoveredWriteAhead {
  private constructor(
    private readonly dir: string,
    readonly files: readonly string[],
    /** The number for the next file: higher than any seen. */
    readonly nextNumber: number,
    private readonly batches: Map<string, Buffer[]>,
  ) {}

  /** Reads every frame that checks out; `onRecovery` hears of whatever was cut from a file's end. */
  static async read(dir: string, onRecovery: (message: string) => void): Promise<RecoveredWriteAhead> {
    await mkdir(dir, { recursive: true });
    const numbers = (await readdir(dir))
      .filter((name) => name.endsWith(fileSuffix))
      .map((name) => Number(name.slice(0, -fileSuffix.length)))
      .filter((n) => Number.isSafeInteger(n))
      .sort((a, b) => a - b);
    const batches = new Map<string, Buffer[]>();
    const files = numbers.map((n) => filePath(dir, n));
    for (const [i, path] of files.entries()) {
      const bytes = await readFile(path);
      const end = readFrames(bytes, numbers[i]!, (logId, partition, batch) => {
        const key = entryKey(logId, partition);
        let list = batches.get(key);
        if (list === undefined) batches.set(key, (list = []));
        list.push(batch);
      });
      if (end.position < bytes.length) {
        onRecovery(
          `ignored the last ${bytes.length - end.position} bytes of ${path} (a torn frame, or what is left of the file's earlier use): ${end.damage ?? "trailing bytes"}`,
        );
      }
    }
    // The spare's frames name the number it was last written as: a file numbered so would take them for its own.
    const nextNumber = Math.max(numbers.at(-1) ?? -1, await spareWrittenAs(dir)) + 1;
    return new RecoveredWriteAhead(dir, files, nextNumber, batches);
  }

  /** The batches written ahead for one partition, oldest first (views of the files' bytes). */
  batchesFor(logId: Buffer, partition: number): readonly Buffer[] {
    return this.batches.get(entryKey(logId, partition)) ?? [];
  }

  /**
   * Deletes the files read, once every log is open and has taken what it needed from them, and the spare too when
   * `withSpare` (a store that writes no write-ahead file has no use for it).
   */
  async discard(withSpare: boolean): Promise<void> {
    this.batches.clear();
    const paths = withSpare ? [...this.files, join(this.dir, spareName)] : this.files;
    if (paths.length === 0) return;
    for (const path of paths) await rm(path, { force: true });
    await fsyncDirectory(this.dir);
  }
}

export class WriteAheadLog {
  private queued: QueuedEntry[] = [];
  private writeScheduled = false;
  /** The frame being written (and any rotation after it): frames are written strictly one after another. */
  private writing: Promise<void> | null = null;
  private checkpointing: Promise<void> | null = null;
  /** Files that frames no longer go to, deleted by the next checkpoint that succeeds. */
  private retired: string[] = [];
  private position = 0;
  private sequence = 0;
  private closed = false;
  private roundsInFlight = 0;
  /** Rounds partitions have queued and not yet taken. */
  private roundsQueued = 0;
  /** When the last round in flight ended, or the file was created (performance.now()). */
  private idleSince = performance.now();

  private constructor(
    private readonly dir: string,
    private number: number,
    private handle: FileHandle,
    private readonly options: WriteAheadOptions,
  ) {}

  /** Starts the file numbered `number` in `dir`: the spare, if there is one. */
  static async create(dir: string, number: number, options: WriteAheadOptions): Promise<WriteAheadLog> {
    return new WriteAheadLog(dir, number, await openFile(dir, number), options);
  }

  /**
   * Whether a partition's write round deciding now would be the only one in the store, in flight or queued: one with
   * nothing to share a durable write with. A request's appends on several partitions queue their rounds in one turn,
   * before the first of them decides, so the first must count the others. Partitions count a round in with
   * `roundQueued`, take it with `roundTaken` before it decides, start it with `roundStarted` and end it with
   * `roundEnded`.
   */
  get idle(): boolean {
    return this.roundsInFlight === 0 && this.roundsQueued === 0;
  }

  /** Idle, and for at least `quietMs`: nothing suggests that another round is about to join this one. */
  get quiet(): boolean {
    return this.idle && performance.now() - this.idleSince >= this.options.quietMs;
  }

  roundQueued(): void {
    this.roundsQueued++;
  }

  roundTaken(): void {
    this.roundsQueued--;
  }

  roundStarted(): void {
    this.roundsInFlight++;
  }

  roundEnded(): void {
    if (--this.roundsInFlight === 0) this.idleSince = performance.now();
  }

  /**
   * Resolves once `batches` of `partition` of the log `logId` are on disk here. The caller has already written them
   * to the partition's segment, so a checkpoint that syncs segments covers everything acknowledged before it.
   */
  commit(logId: Buffer, partition: number, batches: readonly Buffer[]): Promise<void> {
    if (this.closed) return Promise.reject(new StoreClosedError());
    return new Promise((resolve, reject) => {
      this.queued.push({ logId, partition, batches, resolve, reject });
      this.scheduleWrite();
    });
  }

  /** Writes what is queued, waits for any checkpoint, closes the file and, if `removeFiles`, deletes every file. */
  async close(removeFiles: boolean): Promise<void> {
    this.closed = true;
    while (this.writing !== null || this.writeScheduled || this.queued.length > 0) {
      await (this.writing ?? new Promise((resolve) => setImmediate(resolve)));
    }
    await this.checkpointing;
    await this.handle.close();
    if (!removeFiles) return;
    for (const path of [...this.retired, filePath(this.dir, this.number), join(this.dir, spareName)]) await rm(path, { force: true });
    // A directory removed under the running store (a test's temporary one) has nothing left to make durable.
    await fsyncDirectory(this.dir).catch((error: unknown) => {
      if (!isNotFound(error)) throw error;
    });
  }

  /**
   * Gathers every round handed over in this turn of the event loop (a request's rounds on many partitions finish
   * their segment writes together) into the next frame.
   */
  private scheduleWrite(): void {
    if (this.writeScheduled || this.writing !== null) return;
    this.writeScheduled = true;
    setImmediate(() => {
      this.writeScheduled = false;
      this.writing = this.writeFrame().finally(() => {
        this.writing = null;
        if (this.queued.length > 0) this.scheduleWrite();
      });
    });
  }

  private async writeFrame(): Promise<void> {
    const entries = this.queued;
    this.queued = [];
    const frame = encodeFrame(this.number, this.sequence, entries);
    try {
      await writeFully(this.handle, frame.buffers, this.position);
      if (durableWrites === undefined) await this.handle.datasync();
    } catch (error) {
      // Nothing of the frame counts: the next one is written over it, and recovery stops at its damaged bytes.
      for (const entry of entries) entry.reject(error);
      return;
    }
    this.position += frame.bytes;
    this.sequence++;
    for (const entry of entries) entry.resolve();
    if (this.position >= this.options.checkpointBytes && this.checkpointing === null) await this.rotate();
  }

  /** Moves frames to the next file, and starts the checkpoint that makes the old one the spare. */
  private async rotate(): Promise<void> {
    let handle: FileHandle;
    try {
      handle = await openFile(this.dir, this.number + 1);
    } catch (error) {
      this.options.onProblem(`could not start a new write-ahead file, still writing to the old one: ${String(error)}`);
      return;
    }
    const old = this.handle;
    this.retired.push(filePath(this.dir, this.number));
    this.handle = handle;
    this.number++;
    this.position = 0;
    this.sequence = 0;
    this.checkpointing = this.checkpoint(old).finally(() => (this.checkpointing = null));
  }

  private async checkpoint(old: FileHandle): Promise<void> {
    const retired = this.retired.slice();
    try {
      await old.close();
      await this.options.syncSegments();
      const [spare, ...others] = retired;
      if (spare !== undefined) await rename(spare, join(this.dir, spareName));
      for (const path of others) await rm(path, { force: true });
      await fsyncDirectory(this.dir);
      this.retired = this.retired.filter((path) => !retired.includes(path));
    } catch (error) {
      this.options.onProblem(`write-ahead checkpoint failed, its files are kept: ${String(error)}`);
    }
  }
}

/** The number of the file the spare's first frame was written to, or −1 if there is no spare (or it holds no frame). */
async function spareWrittenAs(dir: string): Promise<number> {
  let handle: FileHandle;
  try {
    handle = await open(join(dir, spareName), "r");
  } catch (error) {
    if (isNotFound(error)) return -1;
    throw error;
  }
  try {
    const header = Buffer.alloc(16);
    const { bytesRead } = await handle.read(header, 0, header.length, 0);
    return bytesRead === header.length && header.readUInt32BE(4) === frameMagic ? writtenTo(header, 0) : -1;
  } finally {
    await handle.close();
  }
}

/** The file number in the (FWA2) frame header at `at`. */
function writtenTo(bytes: Buffer, at: number): number {
  return readUint64(bytes, at + 8);
}

function filePath(dir: string, number: number): string {
  return join(dir, String(number).padStart(20, "0") + fileSuffix);
}

/**
 * The file numbered `number`: the spare renamed if there is one, else a new file. Its name is durable before any
 * frame is written to it: a frame is only read back from a file of the number it names.
 */
async function openFile(dir: string, number: number): Promise<FileHandle> {
  const path = filePath(dir, number);
  let reused = true;
  try {
    await rename(join(dir, spareName), path);
  } catch (error) {
    if (!isNotFound(error)) throw error;
    reused = false;
  }
  const handle = await open(path, constants.O_WRONLY | (reused ? 0 : constants.O_CREAT | constants.O_TRUNC) | (durableWrites ?? 0));
  try {
    await fsyncDirectory(dir);
  } catch (error) {
    await handle.close();
    throw error;
  }
  return handle;
}

function entryKey(logId: Buffer, partition: number): string {
  return `${logId.toString("hex")}/${partition}`;
}

function encodeFrame(fileNumber: number, sequence: number, entries: readonly QueuedEntry[]): { buffers: Buffer[]; bytes: number } {
  const headerBytes = frameHeaderBytes + entries.length * entryHeaderBytes;
  const header = Buffer.allocUnsafe(headerBytes);
  header.writeUInt32BE(frameMagic, 4);
  writeUint64(header, 8, fileNumber);
  header.writeUInt32BE(sequence, 16);
  header.writeUInt32BE(entries.length, 20);
  const buffers: Buffer[] = [header];
  let bytes = headerBytes;
  let at = frameHeaderBytes;
  for (const entry of entries) {
    let entryBytes = 0;
    for (const batch of entry.batches) entryBytes += batch.length;
    entry.logId.copy(header, at);
    header.writeUInt32BE(entry.partition, at + logIdBytes);
    header.writeUInt32BE(entryBytes, at + logIdBytes + 4);
    at += entryHeaderBytes;
    for (const batch of entry.batches) buffers.push(batch);
    bytes += entryBytes;
  }
  header.writeUInt32BE(crc32c(header.subarray(4)), 0);
  return { buffers, bytes };
}

/**
 * Walks the frames of the file numbered `fileNumber` in order, calling `onBatch` for each batch of each entry, and
 * returns where the valid frames end. A frame is only passed on once all of it has checked out.
 */
export function readFrames(
  bytes: Buffer,
  fileNumber: number,
  onBatch: (logId: Buffer, partition: number, batch: Buffer) => void,
): { position: number; frames: number; damage: string | null } {
  let position = 0;
  let sequence = 0;
  for (; position < bytes.length; sequence++) {
    let found: Array<{ logId: Buffer; partition: number; batch: Buffer }>;
    let frameBytes: number;
    try {
      ({ found, frameBytes } = checkFrame(bytes, position, fileNumber, sequence));
    } catch (error) {
      if (!(error instanceof CorruptDataError)) throw error;
      return { position, frames: sequence, damage: `${error.message} at byte ${position}` };
    }
    for (const { logId, partition, batch } of found) onBatch(logId, partition, batch);
    position += frameBytes;
  }
  return { position, frames: sequence, damage: null };
}

function checkFrame(
  bytes: Buffer,
  at: number,
  fileNumber: number,
  sequence: number,
): { found: Array<{ logId: Buffer; partition: number; batch: Buffer }>; frameBytes: number } {
  if (bytes.length - at < legacyFrameHeaderBytes) throw new CorruptDataError("torn frame header");
  const magic = bytes.readUInt32BE(at + 4);
  if (magic !== frameMagic && magic !== legacyFrameMagic) throw new CorruptDataError("no frame");
  const fixedBytes = magic === frameMagic ? frameHeaderBytes : legacyFrameHeaderBytes;
  if (bytes.length - at < fixedBytes) throw new CorruptDataError("torn frame header");
  if (magic === frameMagic) {
    const file = writtenTo(bytes, at);
    if (file !== fileNumber) throw new CorruptDataError(`frame written to file ${file}, an earlier use of this one`);
  }
  if (bytes.readUInt32BE(at + fixedBytes - 8) !== sequence) throw new CorruptDataError(`frame out of sequence (${sequence} expected)`);
  const entryCount = bytes.readUInt32BE(at + fixedBytes - 4);
  const headerBytes = fixedBytes + entryCount * entryHeaderBytes;
  if (entryCount === 0 || bytes.length - at < headerBytes) throw new CorruptDataError("torn frame header");
  if (crc32c(bytes.subarray(at + 4, at + headerBytes)) !== bytes.readUInt32BE(at)) {
    throw new CorruptDataError("frame header fails its checksum");
  }
  const found: Array<{ logId: Buffer; partition: number; batch: Buffer }> = [];
  let data = at + headerBytes;
  for (let i = 0; i < entryCount; i++) {
    const entry = at + fixedBytes + i * entryHeaderBytes;
    const logId = bytes.subarray(entry, entry + logIdBytes);
    const partition = bytes.readUInt32BE(entry + logIdBytes);
    const end = data + bytes.readUInt32BE(entry + logIdBytes + 4);
    if (end > bytes.length) throw new CorruptDataError("torn frame");
    while (data < end) {
      const header = readBatchHeader(bytes, data);
      if (header === null || data + header.length > end) throw new CorruptDataError("torn batch in frame");
      verifyBatch(bytes, data, header);
      found.push({ logId, partition, batch: bytes.subarray(data, data + header.length) });
      data += header.length;
    }
  }
  return { found, frameBytes: data - at };
}
