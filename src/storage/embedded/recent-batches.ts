/**
 * A partition's last few published batches, kept in memory as they were written, so that a reader at the end of
 * the log (a SubscribeToShard push, a consumer polling GetRecords once caught up) is answered without opening the
 * segment and waiting behind the thread pool's fdatasyncs. Bounded per partition; a read starting before what is
 * held goes to the disk as before. The batches are the store's own encoded buffers, never a caller's.
 */
import type { StoredRecord } from "../log-store.js";
import { type BatchHeader, decodeRecords, readBatchHeader } from "./batch.js";

interface RecentBatch {
  readonly header: BatchHeader;
  readonly bytes: Buffer;
}

export class RecentBatches {
  private batches: RecentBatch[] = [];
  private heldBytes = 0;

  constructor(private readonly maxBytes: number) {}

  /** A batch just made readable; batches come in offset order, each starting where the previous one ended. */
  add(batch: Buffer): void {
    this.batches.push({ header: readBatchHeader(batch, 0)!, bytes: batch });
    this.heldBytes += batch.length;
    while (this.heldBytes > this.maxBytes && this.batches.length > 0) this.heldBytes -= this.batches.shift()!.bytes.length;
  }

  clear(): void {
    this.batches = [];
    this.heldBytes = 0;
  }

  /**
   * Reads from `fromOffset` to the newest batch with the limits of a disk read (segment.ts readRecords), into an
   * empty `into`; false, reading nothing, if `fromOffset` is before the oldest batch held.
   */
  read(fromOffset: number, limits: { maxRecords: number; maxBytes: number }, into: StoredRecord[]): boolean {
    const first = this.batches[0];
    if (first === undefined || fromOffset < first.header.baseOffset) return false;
    let bytes = 0;
    for (const { header, bytes: batch } of this.batches) {
      if (header.baseOffset + header.recordCount <= fromOffset) continue;
      const result = decodeRecords(batch, 0, header, fromOffset, into, limits.maxRecords, limits.maxBytes, bytes);
      bytes = result.bytes;
      if (result.full || into.length >= limits.maxRecords) break;
    }
    return true;
  }
}
