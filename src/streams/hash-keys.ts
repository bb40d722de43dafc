/**
 * Kinesis' 128-bit hash key space: a record's hash key is the MD5 of its partition key read as an unsigned
 * integer (or the ExplicitHashKey given), and each open shard owns a contiguous range of it.
 */
import { hash } from "node:crypto";

export const maxHashKey = (1n << 128n) - 1n;

export interface HashKeyRange {
  readonly start: bigint;
  readonly end: bigint;
}

/**
 * A hash key as 32 lowercase hex digits. Routing compares these as strings, which order as the numbers do, so that
 * the hot path never makes a BigInt.
 */
export type HashKeyHex = string;

export function hashKeyOf(partitionKey: string): HashKeyHex {
  // One-shot hashing: every record of every put takes this path, and a Hash object per key costs twice as much.
  return hash("md5", partitionKey, "hex");
}

export function hashKeyHex(hashKey: bigint): HashKeyHex {
  return hashKey.toString(16).padStart(32, "0");
}

/** CreateStream's even split: each shard gets floor(2^128 / n) keys, the last one the remainder. */
export function evenRanges(count: number, within: HashKeyRange = { start: 0n, end: maxHashKey }): HashKeyRange[] {
  const span = within.end - within.start + 1n;
  const step = span / BigInt(count);
  return Array.from({ length: count }, (_, i) => ({
    start: within.start + step * BigInt(i),
    end: i === count - 1 ? within.end : within.start + step * BigInt(i + 1) - 1n,
  }));
}
