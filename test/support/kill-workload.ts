/**
 * What the kill -9 test's child (append-until-killed.ts) writes, shared with the test that checks it.
 *
 * Each partition holds a sequence: its n-th record ever appended is `sequencedRecord(partition, n)`. The child
 * continues the sequence from what it reads back after a crash, so in a log that lost, duplicated or reordered
 * nothing, the record at offset n of a partition is exactly `sequencedRecord(partition, n)`.
 */
import type { AppendRecord } from "../../src/storage/log-store.js";
import type { EmbeddedLogStoreOptions } from "../../src/storage/embedded/embedded-log-store.js";

export const killLog = "killed";
export const killPartitions = 2;

/**
 * Small segments, index intervals and write-ahead files, so that kills land in rolls, index writes, checkpoints and
 * write-ahead files written over their earlier use too.
 */
export const killStoreOptions = {
  fsync: "always",
  segmentBytes: 8 * 1024,
  indexIntervalBytes: 512,
  writeAheadCheckpointBytes: 16 * 1024,
} as const satisfies Partial<EmbeddedLogStoreOptions>;

/** One line of the child's stdout: an append it saw acknowledged. */
export interface Acknowledgement {
  readonly partition: number;
  readonly baseOffset: number;
  readonly count: number;
  readonly timestamp: number;
  /** Sequence number of the append's first record. */
  readonly firstSequence: number;
}

/**
 * Record `sequence` of `partition`: its identity up front in the value (and, mostly, as its key), then binary
 * filler whose length and bytes follow from the identity, so any damage or mix-up shows.
 */
export function sequencedRecord(partition: number, sequence: number): AppendRecord {
  const identity = `p${partition}#${sequence};`;
  const filler = Buffer.alloc((sequence * 37) % 200);
  for (let i = 0; i < filler.length; i++) filler[i] = (sequence + i * 131 + partition) & 0xff;
  return {
    key: sequence % 5 === 0 ? null : Buffer.from(identity),
    value: Buffer.concat([Buffer.from(identity), filler]),
  };
}

/** The sequence number a record's value claims, or NaN if it is not one of `partition`'s records. */
export function sequenceOf(partition: number, value: Buffer): number {
  const match = /^p(\d+)#(\d+);/.exec(value.subarray(0, 40).toString("latin1"));
  return match !== null && Number(match[1]) === partition ? Number(match[2]) : Number.NaN;
}
