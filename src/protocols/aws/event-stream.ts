/**
 * AWS event streams (`application/vnd.amazon.eventstream`): how an AWS JSON-protocol action streams its output,
 * as SubscribeToShard does. The HTTP response is `200` with that content type and no Content-Length, and its
 * body is a sequence of messages, each laid out as (integers big-endian):
 *
 *   total_length    u32   the whole message, these 4 bytes and the trailing CRC included
 *   headers_length  u32
 *   prelude_crc     u32   CRC32 of the 8 bytes above
 *   headers               headers_length bytes
 *   payload               total_length − headers_length − 16 bytes
 *   message_crc     u32   CRC32 of everything before it (prelude and prelude_crc included)
 *
 * A header is `name_length u8 | name (UTF-8) | value_type u8 | value`. Freshet writes only string values:
 * value_type 7, then `value_length u16 | value (UTF-8)`. CRC32 is the common (ISO-HDLC, zlib) one.
 *
 * The messages Freshet sends:
 *
 *   event      :message-type=event      :event-type=<event name>     :content-type=<request's codec>
 *   exception  :message-type=exception  :exception-type=<shape name> :content-type=<request's codec>
 *
 * The first event is always `initial-response`, carrying the output's members other than the stream (for
 * SubscribeToShard, none: `{}`). Payloads are documents in the request's encoding (JSON or CBOR); an
 * exception's payload is `{"message": …}`. A stream that ends without an exception ends the HTTP response
 * cleanly.
 */
import { crc32 } from "@node-rs/crc32";

export const eventStreamContentType = "application/vnd.amazon.eventstream";

const preludeBytes = 12;
const crcBytes = 4;
const stringHeaderType = 7;
/** The format's bounds: a header name is at most 255 bytes, a string value at most 32767, a message 16 MiB. */
const maxHeaderNameBytes = 255;
const maxHeaderValueBytes = 32_767;
export const maxEventStreamMessageBytes = 16 * 1024 * 1024;

/** Frames one message with string headers (in the order given) and a payload. */
export function encodeEventStreamMessage(headers: Readonly<Record<string, string>>, payload: Uint8Array): Buffer {
  const encodedHeaders = Buffer.concat(Object.entries(headers).map(([name, value]) => encodeStringHeader(name, value)));
  const totalLength = preludeBytes + encodedHeaders.length + payload.length + crcBytes;
  if (totalLength > maxEventStreamMessageBytes) {
    throw new RangeError(`an event-stream message holds at most ${maxEventStreamMessageBytes} bytes, not ${totalLength}`);
  }
  const message = Buffer.allocUnsafe(totalLength);
  message.writeUInt32BE(totalLength, 0);
  message.writeUInt32BE(encodedHeaders.length, 4);
  message.writeUInt32BE(crc32(message.subarray(0, 8)), 8);
  encodedHeaders.copy(message, preludeBytes);
  message.set(payload, preludeBytes + encodedHeaders.length);
  message.writeUInt32BE(crc32(message.subarray(0, totalLength - crcBytes)), totalLength - crcBytes);
  return message;
}

function encodeStringHeader(name: string, value: string): Buffer {
  const nameBytes = Buffer.from(name, "utf8");
  const valueBytes = Buffer.from(value, "utf8");
  if (nameBytes.length === 0 || nameBytes.length > maxHeaderNameBytes) throw new RangeError(`bad event-stream header name '${name}'`);
  if (valueBytes.length > maxHeaderValueBytes) throw new RangeError(`event-stream header '${name}' is too long`);
  const header = Buffer.allocUnsafe(1 + nameBytes.length + 1 + 2 + valueBytes.length);
  header.writeUInt8(nameBytes.length, 0);
  nameBytes.copy(header, 1);
  header.writeUInt8(stringHeaderType, 1 + nameBytes.length);
  header.writeUInt16BE(valueBytes.length, 2 + nameBytes.length);
  valueBytes.copy(header, 4 + nameBytes.length);
  return header;
}

export function eventMessage(eventType: string, contentType: string, payload: Uint8Array): Buffer {
  return encodeEventStreamMessage({ ":event-type": eventType, ":content-type": contentType, ":message-type": "event" }, payload);
}

export function exceptionMessage(exceptionType: string, contentType: string, payload: Uint8Array): Buffer {
  return encodeEventStreamMessage(
    { ":exception-type": exceptionType, ":content-type": contentType, ":message-type": "exception" },
    payload,
  );
}

/** One event of a streamed output: its `:event-type` and a payload the dispatcher encodes in the request's codec. */
export interface StreamedEvent {
  readonly type: string;
  readonly payload: unknown;
}

/**
 * What an action returns to answer with an event stream rather than a document. The dispatcher sends the
 * `initial-response` event, then each event `events` yields, encoding a failure thrown while iterating as an
 * exception message: an AwsError as itself, anything else (logged) as `internalFailureType`.
 *
 * `events` must finish promptly once `signal` aborts (the client went away or the server is shutting down).
 */
export class EventStreamOutput {
  constructor(
    readonly events: (signal: AbortSignal) => AsyncIterable<StreamedEvent>,
    /** The event-stream union's name for an internal failure (Kinesis: InternalFailureException). */
    readonly internalFailureType: string,
    readonly initialResponse: Readonly<Record<string, unknown>> = {},
  ) {}

  /** The same stream with each failure passed through `map` first (the service's own errors → AwsError). */
  mapErrors(map: (error: unknown) => unknown): EventStreamOutput {
    const events = this.events;
    return new EventStreamOutput(
      async function* (signal) {
        try {
          yield* events(signal);
        } catch (error) {
          throw map(error);
        }
      },
      this.internalFailureType,
      this.initialResponse,
    );
  }
}
