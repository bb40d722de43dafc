/**
 * Sequence numbers: 56-digit decimal strings, as AWS's are today, that encode where a record is:
 *
 *   "49" | stream creation time, epoch seconds (10 digits) | partition (10 digits) | offset + 1 (34 digits)
 *
 * Within a shard they increase with the offset. A child shard's partition is higher than its parents', so its
 * sequence numbers are greater than theirs too. The creation time tells apart two streams that had the same name.
 *
 * The last field is the offset plus one, so that 0 names the position before the shard's first record (offset −1):
 * the shard's StartingSequenceNumber. As in AWS, no record carries it, so AT_ and AFTER_SEQUENCE_NUMBER with it
 * both start at the first record, and a SubscribeToShard event on a shard that has never had a record can carry a
 * ContinuationSequenceNumber that loses nothing when a client resubscribes AFTER it.
 */

const version = "49";
const sequenceNumberDigits = 56;

export interface RecordPosition {
  readonly streamCreatedSeconds: number;
  readonly partition: number;
  /** −1 for the position before the first record. */
  readonly offset: number;
}

export function formatSequenceNumber(position: RecordPosition): string {
  return shardSequenceNumbers(position.streamCreatedSeconds, position.partition)(position.offset);
}

/** Formats the sequence numbers of one shard's records, its fixed fields formatted once (puts and reads do hundreds). */
export function shardSequenceNumbers(streamCreatedSeconds: number, partition: number): (offset: number) => string {
  const shardPrefix = version + String(streamCreatedSeconds).padStart(10, "0") + String(partition).padStart(10, "0");
  // The prefix with the zeros that pad a count of each digit length, made when first needed: then a record's number
  // is one concatenation (a put formats hundreds, and padStart allocated a padded copy of each).
  const paddedPrefixes: string[] = [];
  return (offset) => {
    const count = String(offset + 1);
    return (paddedPrefixes[count.length] ??= shardPrefix + "0".repeat(34 - count.length)) + count;
  };
}

/** The position a sequence number names, or null if Freshet did not issue it. */
export function parseSequenceNumber(sequenceNumber: string): RecordPosition | null {
  if (sequenceNumber.length !== sequenceNumberDigits || !sequenceNumber.startsWith(version)) return null;
  if (!/^\d+$/.test(sequenceNumber)) return null;
  const offset = Number(sequenceNumber.slice(22)) - 1;
  if (!Number.isSafeInteger(offset)) return null;
  return {
    streamCreatedSeconds: Number(sequenceNumber.slice(2, 12)),
    partition: Number(sequenceNumber.slice(12, 22)),
    offset,
  };
}

/** The sequence number before a shard's first record: its StartingSequenceNumber. */
export function shardStartingSequenceNumber(streamCreatedSeconds: number, partition: number): string {
  return formatSequenceNumber({ streamCreatedSeconds, partition, offset: -1 });
}
