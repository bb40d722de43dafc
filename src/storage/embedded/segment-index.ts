/**
 * Sparse index of one segment: where some batches start, by offset and by arrival time.
 *
 * File `<baseOffset>.index`, an array of 16-byte entries (big-endian):
 *
 *   offset size  field
 *   0      4     relativeOffset  batch base offset − segment base offset
 *   4      4     position        byte position of that batch in `<baseOffset>.log`
 *   8      8     timestamp       the batch's arrival time, epoch milliseconds
 *
 * Entries strictly increase in offset and position. Arrival times never decrease within a partition, so the same
 * entries serve as the time index: one file answers both "where is offset N" and "where does time T begin".
 * An entry is written once `indexIntervalBytes` of batches have been appended since the previous one, and for the
 * last batch when a segment is sealed. The index is a hint that is verified before use and rebuilt when missing.
 */

import { readUint64, writeUint64 } from "./uint64.js";

export const indexEntryBytes = 16;

export interface IndexEntry {
  readonly relativeOffset: number;
  readonly position: number;
  readonly timestamp: number;
}

export class SegmentIndex {
  private buf: Buffer;
  private count: number;

  private constructor(buf: Buffer, count: number) {
    this.buf = buf;
    this.count = count;
  }

  static empty(): SegmentIndex {
    return new SegmentIndex(Buffer.alloc(64 * indexEntryBytes), 0);
  }

  /**
   * Takes the longest valid prefix of an index file's bytes: whole entries, increasing, and pointing inside a log
   * of `logBytes` bytes. Whatever follows (a torn write, zeroed pages) is dropped.
   */
  static fromFile(bytes: Buffer, logBytes: number): SegmentIndex {
    const index = new SegmentIndex(Buffer.from(bytes), 0);
    const whole = Math.floor(bytes.length / indexEntryBytes);
    let previous: IndexEntry | null = null;
    for (let i = 0; i < whole; i++) {
      const entry = index.entryAt(i);
      if (entry.position >= logBytes) break;
      if (previous !== null) {
        const increasing =
          entry.relativeOffset > previous.relativeOffset &&
          entry.position > previous.position &&
          entry.timestamp >= previous.timestamp;
        if (!increasing) break;
      }
      previous = entry;
      index.count = i + 1;
    }
    return index;
  }

  get length(): number {
    return this.count;
  }

  entryAt(i: number): IndexEntry {
    const at = i * indexEntryBytes;
    return {
      relativeOffset: this.buf.readUInt32BE(at),
      position: this.buf.readUInt32BE(at + 4),
      timestamp: readUint64(this.buf, at + 8),
    };
  }

  last(): IndexEntry | null {
    return this.count === 0 ? null : this.entryAt(this.count - 1);
  }

  /** Adds an entry and returns its encoded bytes, for appending to the index file. */
  append(entry: IndexEntry): Buffer {
    // A buffer from fromFile may end in part of an entry (a torn write), so check for a whole entry's room.
    if ((this.count + 1) * indexEntryBytes > this.buf.length) {
      const grown = Buffer.alloc(Math.max(this.buf.length * 2, 64 * indexEntryBytes));
      this.buf.copy(grown);
      this.buf = grown;
    }
    const at = this.count * indexEntryBytes;
    this.buf.writeUInt32BE(entry.relativeOffset, at);
    this.buf.writeUInt32BE(entry.position, at + 4);
    writeUint64(this.buf, at + 8, entry.timestamp);
    this.count++;
    return this.buf.subarray(at, at + indexEntryBytes);
  }

  /** The last entry at or before `relativeOffset`, or null when the segment must be read from its start. */
  floorByOffset(relativeOffset: number): IndexEntry | null {
    return this.lastWhere((entry) => entry.relativeOffset <= relativeOffset);
  }

  /** The last entry that arrived strictly before `timestamp`: the first record at or after it is further on. */
  lastBefore(timestamp: number): IndexEntry | null {
    return this.lastWhere((entry) => entry.timestamp < timestamp);
  }

  /** Drops entries at or past `position` (the log was cut there). */
  truncateAtPosition(position: number): void {
    while (this.count > 0 && this.entryAt(this.count - 1).position >= position) this.count--;
  }

  /** Removes the last entry (it failed verification). */
  dropLast(): void {
    if (this.count > 0) this.count--;
  }

  bytes(): Buffer {
    return this.buf.subarray(0, this.count * indexEntryBytes);
  }

  /** Binary search for the last entry satisfying a predicate that holds for a prefix of the entries. */
  private lastWhere(holds: (entry: IndexEntry) => boolean): IndexEntry | null {
    let low = 0;
    let high = this.count - 1;
    let found: IndexEntry | null = null;
    while (low <= high) {
      const mid = (low + high) >>> 1;
      const entry = this.entryAt(mid);
      if (holds(entry)) {
        found = entry;
        low = mid + 1;
      } else {
        high = mid - 1;
      }
    }
    return found;
  }
}
