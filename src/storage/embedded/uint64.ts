/**
 * Unsigned 64-bit big-endian fields (offsets, timestamps, file numbers) as JavaScript numbers: exact up to
 * Number.MAX_SAFE_INTEGER, which every value the store writes stays under, and no BigInt on the hot path.
 */
const twoTo32 = 2 ** 32;

export function writeUint64(buf: Buffer, at: number, value: number): void {
  buf.writeUInt32BE(Math.floor(value / twoTo32), at);
  buf.writeUInt32BE(value % twoTo32, at + 4);
}

export function readUint64(buf: Buffer, at: number): number {
  return buf.readUInt32BE(at) * twoTo32 + buf.readUInt32BE(at + 4);
}
