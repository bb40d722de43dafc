/**
 * Strict base64 as AWS's Java front end reads a JSON blob: the standard alphabet, length a multiple of 4, padding
 * only at the end, and no bits set past the data in the last character. Node's decoder is lenient (it skips
 * characters it does not know, stops at '=', and takes base64url's '-' and '_'), so its result is checked rather
 * than trusted.
 */

/** The decoded bytes, or null when `text` is not strict base64. Its length must already be a multiple of 4. */
export function decodeStrictBase64(text: string): Buffer | null {
  const bytes = Buffer.from(text, "base64");
  const padding = text.endsWith("==") ? 2 : text.endsWith("=") ? 1 : 0;
  // Whatever Node skipped or stopped at ('=' inside, whitespace, any other character) makes the result short.
  if (bytes.length !== (text.length / 4) * 3 - padding) return null;
  if (text.includes("-") || text.includes("_")) return null;
  if (padding > 0) {
    // One pad leaves 2 unused bits in the last character, two pads leave 4; a canonical encoding has them zero.
    const unusedBits = padding === 1 ? 0b11 : 0b1111;
    if ((sextetOf(text.charCodeAt(text.length - padding - 1)) & unusedBits) !== 0) return null;
  }
  return bytes;
}

function sextetOf(code: number): number {
  if (code >= 65 && code <= 90) return code - 65;
  if (code >= 97 && code <= 122) return code - 71;
  if (code >= 48 && code <= 57) return code + 4;
  return code === 43 ? 62 : 63;
}
