/**
 * Sequence numbers: 56-digit decimal strings, as AWS's are today, that encode where a record is:
 *
 *   "49" | stream creation time, epoch seconds (10 digits) | partition (10 digits) | offset (34 digits)
 *
 * Within a shard they increase with the offset. A child shard's partition is higher than its parents', so its
 * sequence numbers are greater than theirs too. The creation time tells apart two streams that had the same name.
 */

const version = "49";
const sequenceNumberDigits = 56;

export interface RecordPosition {
  readonly streamCreatedSeconds: number;
  readonly partition: number;
  readonly offset: number;
}

export function formatSequenceNumber(position: RecordPosition): string {
  return (
    version +
    String(position.streamCreatedSeconds).padStart(10, "0") +
    String(position.partition).padStart(10, "0") +
    String(position.offset).padStart(34, "0")
  );
}

/** The position a sequence number names, or null if Freshet did not issue it. */
export function parseSequenceNumber(sequenceNumber: string): RecordPosition | null {
  if (sequenceNumber.length !== sequenceNumberDigits || !sequenceNumber.startsWith(version)) return null;
  if (!/^\d+$/.test(sequenceNumber)) return null;
  const offset = Number(sequenceNumber.slice(22));
  if (!Number.isSafeInteger(offset)) return null;
  return {
    streamCreatedSeconds: Number(sequenceNumber.slice(2, 12)),
    partition: Number(sequenceNumber.slice(12, 22)),
    offset,
  };
}
