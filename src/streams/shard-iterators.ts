/**
 * Shard iterators: opaque to clients, but self-contained here, so they survive restarts and need no table.
 *
 * Layout before base64 (big-endian): version u8 | issuedAt f64 (epoch ms) | streamCreatedAt f64 (epoch ms) |
 * partition u32 | offset f64 | stream name (UTF-8).
 */

const iteratorVersion = 1;
const fixedBytes = 1 + 8 + 8 + 4 + 8;

export interface ShardIterator {
  readonly streamName: string;
  readonly streamCreatedAt: number;
  readonly partition: number;
  /** The offset the next GetRecords reads from. */
  readonly offset: number;
  readonly issuedAt: number;
}

export function encodeShardIterator(iterator: ShardIterator): string {
  const name = Buffer.from(iterator.streamName, "utf8");
  const buf = Buffer.allocUnsafe(fixedBytes + name.length);
  buf.writeUInt8(iteratorVersion, 0);
  buf.writeDoubleBE(iterator.issuedAt, 1);
  buf.writeDoubleBE(iterator.streamCreatedAt, 9);
  buf.writeUInt32BE(iterator.partition, 17);
  buf.writeDoubleBE(iterator.offset, 21);
  name.copy(buf, fixedBytes);
  return buf.toString("base64");
}

/** The iterator a string encodes, or null if it is not one Freshet issued. */
export function decodeShardIterator(text: string): ShardIterator | null {
  const buf = Buffer.from(text, "base64");
  if (buf.length <= fixedBytes || buf.readUInt8(0) !== iteratorVersion || buf.toString("base64") !== text) return null;
  const iterator = {
    issuedAt: buf.readDoubleBE(1),
    streamCreatedAt: buf.readDoubleBE(9),
    partition: buf.readUInt32BE(17),
    offset: buf.readDoubleBE(21),
    streamName: buf.subarray(fixedBytes).toString("utf8"),
  };
  const valid = [iterator.issuedAt, iterator.streamCreatedAt, iterator.offset].every(Number.isSafeInteger);
  return valid && /^[a-zA-Z0-9_.-]{1,128}$/.test(iterator.streamName) ? iterator : null;
}
