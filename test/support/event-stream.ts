/**
 * A reader for AWS event-stream messages (`application/vnd.amazon.eventstream`), written from the format's
 * description rather than from Freshet's encoder, for tests that look at the raw bytes. CRCs are checked with
 * zlib's CRC32 (Node ≥ 20.15), falling back to @node-rs/crc32.
 */
import zlib from "node:zlib";
import { crc32 as nodeRsCrc32 } from "@node-rs/crc32";

const crc32: (data: Uint8Array) => number =
  (zlib as unknown as { crc32?: (data: Uint8Array) => number }).crc32 ?? ((data) => nodeRsCrc32(data));

export interface EventStreamMessage {
  readonly headers: Record<string, string>;
  readonly payload: Buffer;
}

/** Takes every whole message off the front of `bytes`; returns them and what is left (part of the next one). */
export function takeMessages(bytes: Buffer): { messages: EventStreamMessage[]; rest: Buffer } {
  const messages: EventStreamMessage[] = [];
  let at = 0;
  while (bytes.length - at >= 12) {
    const total = bytes.readUInt32BE(at);
    if (bytes.length - at < total) break;
    const message = bytes.subarray(at, at + total);
    const headersLength = message.readUInt32BE(4);
    if (crc32(message.subarray(0, 8)) !== message.readUInt32BE(8)) throw new Error("bad prelude CRC");
    if (crc32(message.subarray(0, total - 4)) !== message.readUInt32BE(total - 4)) throw new Error("bad message CRC");
    const headers: Record<string, string> = {};
    let h = 12;
    while (h < 12 + headersLength) {
      const nameLength = message.readUInt8(h);
      const name = message.toString("utf8", h + 1, h + 1 + nameLength);
      const type = message.readUInt8(h + 1 + nameLength);
      if (type !== 7) throw new Error(`header ${name} has type ${type}, not string`);
      const valueLength = message.readUInt16BE(h + 2 + nameLength);
      headers[name] = message.toString("utf8", h + 4 + nameLength, h + 4 + nameLength + valueLength);
      h += 4 + nameLength + valueLength;
    }
    messages.push({ headers, payload: Buffer.from(message.subarray(12 + headersLength, total - 4)) });
    at += total;
  }
  return { messages, rest: bytes.subarray(at) };
}
