/**
 * Reaching under the embedded log store, as a crash or a failing disk would: its partition directories, segment
 * files and the batches in them (on-disk formats in src/storage/embedded/segment.ts and batch.ts).
 */
import { open, readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { type BatchHeader, readBatchHeader } from "../../src/storage/embedded/batch.js";
import { indexSuffix, logSuffix, segmentFileStem } from "../../src/storage/embedded/segment.js";

/** The directory of one partition. Only for log names made of letters, digits, `_` and `-` (stored unencoded). */
export function partitionDir(dataDir: string, log: string, partition: number): string {
  if (!/^[A-Za-z0-9_-]+$/.test(log)) throw new RangeError(`log name ${JSON.stringify(log)} would be encoded on disk`);
  return join(dataDir, "logs", log, String(partition));
}

export function segmentLogPath(dir: string, baseOffset: number): string {
  return join(dir, segmentFileStem(baseOffset) + logSuffix);
}

export function segmentIndexPath(dir: string, baseOffset: number): string {
  return join(dir, segmentFileStem(baseOffset) + indexSuffix);
}

/** Base offsets of the segments in a partition directory, oldest first; the last is the active segment. */
export async function segmentBases(dir: string): Promise<number[]> {
  return (await readdir(dir))
    .filter((name) => name.endsWith(logSuffix))
    .map((name) => Number(name.slice(0, -logSuffix.length)))
    .sort((a, b) => a - b);
}

export interface BatchOnDisk extends BatchHeader {
  /** Byte position of the batch in its segment's log file. */
  readonly position: number;
}

/** The batches of a healthy segment log, by their headers. */
export async function batchesIn(logPath: string): Promise<BatchOnDisk[]> {
  const bytes = await readFile(logPath);
  const batches: BatchOnDisk[] = [];
  for (let position = 0; position < bytes.length; ) {
    const header = readBatchHeader(bytes, position);
    if (header === null) throw new Error(`${logPath} ends inside a batch header at byte ${position}`);
    batches.push({ ...header, position });
    position += header.length;
  }
  return batches;
}

export interface SegmentOnDisk {
  readonly baseOffset: number;
  readonly logPath: string;
  readonly indexPath: string;
  readonly batches: BatchOnDisk[];
}

/** The segments of a healthy partition directory with their batches, oldest first; the last is the active one. */
export async function segmentsIn(dir: string): Promise<SegmentOnDisk[]> {
  const segments: SegmentOnDisk[] = [];
  for (const baseOffset of await segmentBases(dir)) {
    const logPath = segmentLogPath(dir, baseOffset);
    segments.push({ baseOffset, logPath, indexPath: segmentIndexPath(dir, baseOffset), batches: await batchesIn(logPath) });
  }
  return segments;
}

/** XORs the byte at `position` with `mask` (every bit by default), in place. */
export async function flipByte(path: string, position: number, mask = 0xff): Promise<void> {
  const handle = await open(path, "r+");
  try {
    const byte = Buffer.alloc(1);
    const { bytesRead } = await handle.read(byte, 0, 1, position);
    if (bytesRead !== 1) throw new RangeError(`${path} has no byte ${position}`);
    byte[0]! ^= mask;
    await handle.write(byte, 0, 1, position);
  } finally {
    await handle.close();
  }
}

/** Deterministic junk: the same `length` bytes every run, no pattern a parser could mistake for structure. */
export function garbage(length: number, seed = 1): Buffer {
  const bytes = Buffer.alloc(length);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    bytes[i] = state & 0xff;
  }
  return bytes;
}
