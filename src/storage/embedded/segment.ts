/**
 * One segment: a `<baseOffset>.log` file of record batches (see batch.ts) and its `<baseOffset>.index`
 * (see segment-index.ts), both named by the offset of their first record, zero-padded to 20 digits so that
 * names sort in offset order.
 *
 * A partition has any number of sealed segments, which never change again and were fsynced when sealed, and one
 * active segment at the end that takes appends. Only the active segment can have a torn tail after a crash, and
 * recovery reads only its tail: from the last index entry in its file that still verifies, which is at most
 * `indexWriteIntervalBytes` and a few KiB back.
 */
import { type FileHandle, open, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { CorruptDataError } from "../errors.js";
import type { StoredRecord } from "../log-store.js";
import { type BatchHeader, batchHeaderBytes, decodeRecords, readBatchHeader, verifyBatch } from "./batch.js";
import { isNotFound } from "../../util/files.js";
import { type IndexEntry, SegmentIndex } from "./segment-index.js";

export const logSuffix = ".log";
export const indexSuffix = ".index";

export function segmentFileStem(baseOffset: number): string {
  return String(baseOffset).padStart(20, "0");
}

/** Where a scan of valid batches ended. */
export interface ScanEnd {
  /** Byte position after the last valid batch. */
  readonly position: number;
  /** One past the last valid record. */
  readonly nextOffset: number;
  readonly lastTimestamp: number | null;
  /** Why the scan stopped before the end of the file, if it did. */
  readonly damage: string | null;
}

export class Segment {
  /** Bytes of whole batches; for the active segment, including appends not yet durable. */
  size: number;
  nextOffset: number;
  firstTimestamp: number | null;
  /** Null until known: for sealed segments it is read from the index on first need. */
  lastTimestamp: number | null;
  /** Null for a sealed segment whose index is not in memory. */
  index: SegmentIndex | null;
  /** Bytes appended since the last index entry; decides when the next entry is due. */
  bytesSinceIndexEntry = 0;
  /** Where the last batch is: sealing writes it as the index's final entry. */
  lastBatch: IndexEntry | null = null;
  /** Open only while the segment is active. */
  logHandle: FileHandle | null = null;
  /**
   * The same log file opened with O_DSYNC at the segment's first large round under fsync `always` (where the platform
   * has it): a write through it returns durable, with no fdatasync after it.
   */
  durableLogHandle: FileHandle | null = null;
  indexHandle: FileHandle | null = null;
  /** Bytes of the index file written so far. */
  indexFileBytes = 0;
  /**
   * Index entries in `index` but not yet in the index file (views of its bytes, which an appended entry never
   * changes: entries are only added by rounds that succeeded, and only dropped while the segment is recovered), and
   * the bytes of batches appended since the index file was last written.
   */
  unwrittenIndexEntries: Buffer[] = [];
  bytesSinceIndexWrite = 0;

  constructor(
    readonly dir: string,
    readonly baseOffset: number,
    state: { size: number; nextOffset: number; firstTimestamp: number | null; lastTimestamp: number | null },
  ) {
    this.size = state.size;
    this.nextOffset = state.nextOffset;
    this.firstTimestamp = state.firstTimestamp;
    this.lastTimestamp = state.lastTimestamp;
    this.index = null;
  }

  get logPath(): string {
    return join(this.dir, segmentFileStem(this.baseOffset) + logSuffix);
  }

  get indexPath(): string {
    return join(this.dir, segmentFileStem(this.baseOffset) + indexSuffix);
  }

  get isActive(): boolean {
    return this.logHandle !== null;
  }

  /** Closes the active segment's files (each one even if another fails to close). */
  async closeFiles(): Promise<void> {
    const handles = [this.logHandle, this.durableLogHandle, this.indexHandle];
    this.logHandle = null;
    this.durableLogHandle = null;
    this.indexHandle = null;
    for (const outcome of await Promise.allSettled(handles.map((handle) => handle?.close()))) {
      if (outcome.status === "rejected") throw outcome.reason;
    }
  }
}

/** Reads `length` bytes at `position`; fewer if the file is shorter. */
export async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await handle.read(buf, filled, length - filled, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return filled === length ? buf : buf.subarray(0, filled);
}

/**
 * Reads the batch an index entry points at whole and checks it: framing, checksum, and that its base offset and
 * arrival time are the entry's. Returns null if it is not that batch.
 */
export async function readVerifiedBatch(
  handle: FileHandle,
  fileBytes: number,
  segmentBaseOffset: number,
  entry: IndexEntry,
): Promise<{ header: BatchHeader; bytes: Buffer } | null> {
  const position = entry.position;
  try {
    const head = await readAt(handle, position, batchHeaderBytes);
    const header = readBatchHeader(head, 0);
    if (header === null || position + header.length > fileBytes) return null;
    if (header.baseOffset !== segmentBaseOffset + entry.relativeOffset || header.timestamp !== entry.timestamp) return null;
    const bytes = await readAt(handle, position, header.length);
    verifyBatch(bytes, 0, header);
    return { header, bytes };
  } catch (error) {
    if (error instanceof CorruptDataError) return null;
    throw error;
  }
}

/**
 * Walks the valid batches from `position` (where a batch with offset `expectedOffset` should start) to the end of
 * the file, checking each one's framing, checksum and offset, and calls `onBatch` for each. Stops at the first batch
 * that fails, reporting the damage.
 */
export async function scanBatches(
  handle: FileHandle,
  position: number,
  fileBytes: number,
  expectedOffset: number,
  chunkBytes: number,
  onBatch: (header: BatchHeader, position: number) => void,
): Promise<ScanEnd> {
  let at = position;
  let nextOffset = expectedOffset;
  let lastTimestamp: number | null = null;
  let damage: string | null = null;
  let chunk: Buffer = Buffer.alloc(0);
  let chunkStart = at;
  while (at < fileBytes) {
    if (at + batchHeaderBytes > chunkStart + chunk.length) {
      chunkStart = at;
      chunk = await readAt(handle, at, Math.min(chunkBytes, fileBytes - at));
    }
    let header: BatchHeader | null;
    try {
      header = readBatchHeader(chunk, at - chunkStart);
    } catch (error) {
      if (!(error instanceof CorruptDataError)) throw error;
      damage = `${error.message} at byte ${at}`;
      break;
    }
    if (header === null || at + header.length > fileBytes) {
      damage = `torn batch at byte ${at}`;
      break;
    }
    if (header.baseOffset !== nextOffset) {
      damage = `batch at byte ${at} has offset ${header.baseOffset} where ${nextOffset} was expected`;
      break;
    }
    if (at + header.length > chunkStart + chunk.length) {
      chunkStart = at;
      chunk = await readAt(handle, at, Math.max(header.length, Math.min(chunkBytes, fileBytes - at)));
    }
    try {
      verifyBatch(chunk, at - chunkStart, header);
    } catch (error) {
      if (!(error instanceof CorruptDataError)) throw error;
      damage = `${error.message} at byte ${at}`;
      break;
    }
    onBatch(header, at);
    lastTimestamp = header.timestamp;
    nextOffset = header.baseOffset + header.recordCount;
    at += header.length;
  }
  return { position: at, nextOffset, lastTimestamp, damage };
}

export interface RecordsRead {
  readonly bytes: number;
  /** A limit was reached: the caller must not read further. */
  readonly full: boolean;
}

/**
 * Reads records at or after `fromOffset` from `[position, endPosition)` of a segment into `into`, verifying each
 * batch it returns records from. Batches wholly below `fromOffset` are skipped by their headers; each header must
 * carry the offset that follows the previous batch, starting with `positionOffset` at `position`, so a damaged
 * header cannot make the walk skip records or land on bytes that are not a batch's.
 */
export async function readRecords(
  handle: FileHandle,
  position: number,
  positionOffset: number,
  endPosition: number,
  fromOffset: number,
  limits: { maxRecords: number; maxBytes: number; chunkBytes: number },
  into: StoredRecord[],
  bytesSoFar: number,
): Promise<RecordsRead> {
  let at = position;
  let nextOffset = positionOffset;
  let bytes = bytesSoFar;
  let chunk: Buffer = Buffer.alloc(0);
  let chunkStart = at;
  while (at < endPosition) {
    if (at + batchHeaderBytes > chunkStart + chunk.length) {
      chunkStart = at;
      chunk = await readAt(handle, at, Math.min(limits.chunkBytes, endPosition - at));
    }
    const header = readBatchHeader(chunk, at - chunkStart);
    if (header === null || at + header.length > endPosition) {
      throw new CorruptDataError(`batch at byte ${at} of a segment runs past its end`);
    }
    if (header.baseOffset !== nextOffset) {
      throw new CorruptDataError(`batch at byte ${at} has offset ${header.baseOffset} where ${nextOffset} was expected`);
    }
    if (header.baseOffset + header.recordCount > fromOffset) {
      if (at + header.length > chunkStart + chunk.length) {
        chunkStart = at;
        chunk = await readAt(handle, at, Math.max(header.length, Math.min(limits.chunkBytes, endPosition - at)));
        if (chunk.length < header.length) throw new CorruptDataError(`batch at byte ${at} is cut short`);
      }
      verifyBatch(chunk, at - chunkStart, header);
      const result = decodeRecords(
        chunk,
        at - chunkStart,
        header,
        fromOffset,
        into,
        limits.maxRecords,
        limits.maxBytes,
        bytes,
      );
      bytes = result.bytes;
      if (result.full || into.length >= limits.maxRecords) return { bytes, full: true };
    }
    nextOffset += header.recordCount;
    at += header.length;
  }
  return { bytes, full: false };
}

/**
 * Loads a sealed segment's index, or rebuilds it from the log when the file is missing or does not reach the last
 * batch (a sealed segment's index always ends with an entry for its last batch).
 */
export async function loadSealedIndex(segment: Segment, chunkBytes: number, intervalBytes: number): Promise<SegmentIndex> {
  let bytes: Buffer | null = null;
  try {
    bytes = await readFile(segment.indexPath);
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  const handle = await open(segment.logPath, "r");
  try {
    if (bytes !== null) {
      const index = SegmentIndex.fromFile(bytes, segment.size);
      const last = index.last();
      if (last !== null) {
        const batch = await readVerifiedBatch(handle, segment.size, segment.baseOffset, last);
        if (batch !== null && last.position + batch.header.length === segment.size) return index;
      }
    }
    const rebuilt = SegmentIndex.empty();
    let sinceEntry = 0;
    let lastBatch: IndexEntry | null = null;
    const end = await scanBatches(handle, 0, segment.size, segment.baseOffset, chunkBytes, (header, position) => {
      if (sinceEntry >= intervalBytes) {
        rebuilt.append(entryFor(segment, header, position));
        sinceEntry = 0;
      }
      sinceEntry += header.length;
      lastBatch = entryFor(segment, header, position);
    });
    sealIndex(rebuilt, lastBatch);
    // A damaged sealed segment keeps the index of its intact prefix in memory only (a later load tries again):
    // reads of the intact part work, and reads reaching the damage fail with CorruptDataError.
    if (end.damage === null) await writeFile(segment.indexPath, rebuilt.bytes());
    return rebuilt;
  } finally {
    await handle.close();
  }
}

/** A sealed segment's index ends with its last batch, so the segment's newest arrival time is always at hand. */
export function sealIndex(index: SegmentIndex, lastBatch: IndexEntry | null): Buffer | null {
  if (lastBatch === null || index.last()?.position === lastBatch.position) return null;
  return index.append(lastBatch);
}

/**
 * Walks batch headers from `position` and returns the first batch whose arrival time is at or after `timestamp`,
 * or null if none is before `endPosition`.
 */
export async function findBatchAtOrAfter(
  handle: FileHandle,
  position: number,
  endPosition: number,
  timestamp: number,
): Promise<BatchHeader | null> {
  let at = position;
  while (at < endPosition) {
    const header = readBatchHeader(await readAt(handle, at, batchHeaderBytes), 0);
    if (header === null) throw new CorruptDataError(`batch header at byte ${at} is cut short`);
    if (header.timestamp >= timestamp) return header;
    at += header.length;
  }
  return null;
}

export function entryFor(segment: Segment, header: BatchHeader, position: number): IndexEntry {
  return { relativeOffset: header.baseOffset - segment.baseOffset, position, timestamp: header.timestamp };
}
