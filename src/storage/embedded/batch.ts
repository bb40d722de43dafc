/**
 * Record batch codec: the unit that is appended, checksummed and read back.
 *
 * Batch layout (big-endian):
 *
 *   offset size  field
 *   0      4     crc          CRC32C of bytes [4, length)
 *   4      4     length       whole batch in bytes, this header included
 *   8      1     magic        format version, 1
 *   9      1     attributes   0 (reserved for compression)
 *   10     2     reserved     0
 *   12     4     recordCount  ≥ 1
 *   16     8     baseOffset   offset of the first record; record i has baseOffset + i
 *   24     8     timestamp    arrival time of every record in the batch, epoch milliseconds
 *   32     …     records, back to back
 *
 * Record layout:
 *
 *   4      keyLength    signed; −1 means no key
 *   k      key
 *   4      valueLength
 *   v      value
 *
 * The CRC covers the offset and timestamp, so a batch copied to the wrong place or a torn header is caught, and
 * `length` is checked against the file and `logFormatLimits` before anything is trusted.
 */
import { crc32c } from "@node-rs/crc32";
import { logFormatLimits } from "../../config/limits.js";
import { CorruptDataError, InvalidAppendError } from "../errors.js";
import { type AppendRecord, keyBytes, type StoredRecord } from "../log-store.js";
import { readUint64, writeUint64 } from "./uint64.js";

export const batchHeaderBytes = 32;
export const batchMagic = 1;
const recordOverheadBytes = 8;
const noKey = -1;

export interface BatchHeader {
  readonly length: number;
  readonly recordCount: number;
  readonly baseOffset: number;
  readonly timestamp: number;
}

/** Bytes a batch of these records takes on disk. */
export function encodedBatchBytes(records: readonly AppendRecord[]): number {
  let bytes = batchHeaderBytes;
  for (const record of records) bytes += recordOverheadBytes + keyBytes(record.key) + record.value.length;
  return bytes;
}

export function encodeBatch(records: readonly AppendRecord[], baseOffset: number, timestamp: number): Buffer {
  const batch = encodeUnsealedBatch(records);
  sealBatch(batch, baseOffset, timestamp);
  return batch;
}

/**
 * A batch of `records` whose offset, timestamp and checksum are not written yet (sealBatch writes them): a partition
 * encodes an append when it is asked for, so the caller's records are garbage at once rather than kept for the
 * round that writes them, and seals it when that round knows where it goes.
 */
export function encodeUnsealedBatch(records: readonly AppendRecord[]): Buffer {
  if (records.length === 0) throw new InvalidAppendError("a batch needs at least one record");
  if (records.length > logFormatLimits.maxRecordsPerBatch) {
    throw new InvalidAppendError(`a batch holds at most ${logFormatLimits.maxRecordsPerBatch} records`);
  }
  const length = encodedBatchBytes(records);
  if (length > logFormatLimits.maxBatchBytes) {
    throw new InvalidAppendError(`a batch is at most ${logFormatLimits.maxBatchBytes} bytes, this one is ${length}`);
  }
  const buf = Buffer.allocUnsafe(length);
  buf.writeUInt32BE(length, 4);
  buf.writeUInt8(batchMagic, 8);
  buf.writeUInt8(0, 9);
  buf.writeUInt16BE(0, 10);
  buf.writeUInt32BE(records.length, 12);
  let at = batchHeaderBytes;
  for (const { key, value } of records) {
    if (key === null) {
      buf.writeInt32BE(noKey, at);
      at += 4;
    } else if (typeof key === "string") {
      const length = buf.write(key, at + 4, "utf8");
      buf.writeInt32BE(length, at);
      at += 4 + length;
    } else {
      buf.writeInt32BE(key.length, at);
      at += 4;
      buf.set(key, at);
      at += key.length;
    }
    buf.writeUInt32BE(value.length, at);
    at += 4;
    buf.set(value, at);
    at += value.length;
  }
  return buf;
}

/** Writes an encoded batch's base offset and timestamp, then its checksum over them and the records. */
export function sealBatch(batch: Buffer, baseOffset: number, timestamp: number): void {
  writeUint64(batch, 16, baseOffset);
  writeUint64(batch, 24, timestamp);
  batch.writeUInt32BE(crc32c(batch.subarray(4)), 0);
}

/**
 * Reads the header at `at` without trusting it: returns null if fewer than a header's bytes are there, and throws
 * CorruptDataError if the header cannot be a batch's.
 */
export function readBatchHeader(buf: Buffer, at: number): BatchHeader | null {
  if (buf.length - at < batchHeaderBytes) return null;
  const length = buf.readUInt32BE(at + 4);
  const magic = buf.readUInt8(at + 8);
  const recordCount = buf.readUInt32BE(at + 12);
  if (magic !== batchMagic) throw new CorruptDataError(`unknown batch magic ${magic}`);
  if (length < batchHeaderBytes + recordCount * recordOverheadBytes || length > logFormatLimits.maxBatchBytes) {
    throw new CorruptDataError(`implausible batch length ${length}`);
  }
  if (recordCount === 0 || recordCount > logFormatLimits.maxRecordsPerBatch) {
    throw new CorruptDataError(`implausible record count ${recordCount}`);
  }
  return { length, recordCount, baseOffset: readUint64(buf, at + 16), timestamp: readUint64(buf, at + 24) };
}

/** Throws CorruptDataError unless the batch at `at` (wholly inside `buf`) matches its checksum. */
export function verifyBatch(buf: Buffer, at: number, header: BatchHeader): void {
  const stored = buf.readUInt32BE(at);
  const actual = crc32c(buf.subarray(at + 4, at + header.length));
  if (stored !== actual) {
    throw new CorruptDataError(`batch at offset ${header.baseOffset} fails its checksum`);
  }
}

/**
 * Decodes the records of a verified batch, skipping those below `fromOffset`. Keys and values are views into `buf`.
 * Stops early (`full`) once `maxRecords` or, after the first record, `maxBytes` would be exceeded.
 */
export function decodeRecords(
  buf: Buffer,
  at: number,
  header: BatchHeader,
  fromOffset: number,
  into: StoredRecord[],
  maxRecords: number,
  maxBytes: number,
  bytesSoFar: number,
): { bytes: number; full: boolean } {
  const end = at + header.length;
  let cursor = at + batchHeaderBytes;
  let bytes = bytesSoFar;
  for (let i = 0; i < header.recordCount; i++) {
    if (end - cursor < recordOverheadBytes) throw new CorruptDataError("record runs past its batch");
    const keyLength = buf.readInt32BE(cursor);
    cursor += 4;
    let key: Buffer | null = null;
    if (keyLength !== noKey) {
      if (keyLength < 0 || cursor + keyLength > end) throw new CorruptDataError("record key runs past its batch");
      key = buf.subarray(cursor, cursor + keyLength);
      cursor += keyLength;
    }
    if (cursor + 4 > end) throw new CorruptDataError("record runs past its batch");
    const valueLength = buf.readUInt32BE(cursor);
    cursor += 4;
    if (cursor + valueLength > end) throw new CorruptDataError("record value runs past its batch");
    const offset = header.baseOffset + i;
    if (offset >= fromOffset) {
      const size = (key?.length ?? 0) + valueLength;
      if (into.length >= maxRecords || (into.length > 0 && bytes + size > maxBytes)) return { bytes, full: true };
      into.push({ offset, timestamp: header.timestamp, key, value: buf.subarray(cursor, cursor + valueLength) });
      bytes += size;
    }
    cursor += valueLength;
  }
  if (cursor !== end) throw new CorruptDataError("batch has bytes after its last record");
  return { bytes, full: false };
}

