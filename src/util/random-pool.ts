import { randomFillSync } from "node:crypto";

/**
 * Random bytes for identifiers on every response (x-amz-id-2): drawn from a block refilled when used up, as
 * randomUUID does, because a call into the CSPRNG per response (~6 µs here) is a measurable share of a small call.
 */
const pool = Buffer.allocUnsafe(4096);
let used = pool.length;

export function pooledRandomBase64(bytes: number): string {
  if (bytes > pool.length) throw new RangeError(`at most ${pool.length} bytes at a time`);
  if (used + bytes > pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  const drawn = pool.toString("base64", used, used + bytes);
  used += bytes;
  return drawn;
}
