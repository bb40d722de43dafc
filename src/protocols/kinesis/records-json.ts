/**
 * The JSON of an output that carries records (GetRecords, a SubscribeToShard event), from a template, each record's
 * data base64-encoded once and copied in, never part of one huge JavaScript string. For 10,000 records of 1 KiB this
 * costs about 2.5 µs a record, where a generic writer walking every member took 6 and JSON.stringify of a copy with
 * base64 strings 9; for 100 B records about 2 instead of 3 to 4. Beyond serverDefaults.responsePieceBytes it is
 * made in pieces as the connection takes them (codecs.ts PiecewiseBody): a whole 14 MB buffer cost page faults on
 * every answer, and kept every record's base64 string alive until the last was written (about 1.5 µs a record more).
 *
 * The bytes are jsonCodec's: members in the output's key order, undefined ones left out, timestamps as epoch
 * seconds, data as base64. Sequence numbers and timestamps need no escaping; partition keys (any Unicode) are
 * escaped by JSON.stringify, as is every member other than the records.
 */
import { serverDefaults } from "../../config/limits.js";
import { type PiecewiseBody, withOwnJson } from "../aws/codecs.js";
import type { wireRecord } from "./descriptions.js";

type WireRecord = ReturnType<typeof wireRecord>;

export function withRecordsJson<T extends { readonly Records: readonly WireRecord[] }>(output: T): T {
  return withOwnJson(output, recordsOutputJson);
}

function recordsOutputJson(output: { readonly Records: readonly WireRecord[] }): Buffer | PiecewiseBody {
  const { opening, closing } = aroundRecords(output);
  const records = output.Records;
  // Each record is head + base64 data + tail: heads are ASCII, tails may hold any Unicode.
  const heads = new Array<string>(records.length);
  const tails = new Array<string>(records.length);
  const sizes = new Array<number>(records.length);
  let length = Buffer.byteLength(opening, "utf8") + Buffer.byteLength(closing, "utf8") + Math.max(0, records.length - 1);
  for (let i = 0; i < records.length; i++) {
    const record = records[i]!;
    heads[i] = `{"SequenceNumber":"${record.SequenceNumber}","ApproximateArrivalTimestamp":${record.ApproximateArrivalTimestamp.getTime() / 1000},"Data":"`;
    tails[i] = `","PartitionKey":${JSON.stringify(record.PartitionKey)},"EncryptionType":${JSON.stringify(record.EncryptionType)}}`;
    sizes[i] = heads[i]!.length + 4 * Math.ceil(record.Data.length / 3) + Buffer.byteLength(tails[i]!, "utf8");
    length += sizes[i]!;
  }
  /** Records [from, to) with the commas before them (none before the first), and `before`/`after` around them. */
  const write = (from: number, to: number, before: string, after: string): Buffer => {
    let bytes = Buffer.byteLength(before, "utf8") + Buffer.byteLength(after, "utf8") + (to - from) - (from === 0 ? Math.min(1, to) : 0);
    for (let i = from; i < to; i++) bytes += sizes[i]!;
    const json = Buffer.allocUnsafe(bytes);
    let at = json.write(before, 0, "utf8");
    for (let i = from; i < to; i++) {
      if (i > 0) json[at++] = 0x2c;
      at += json.write(heads[i]!, at, "latin1");
      at += json.write(records[i]!.Data.toString("base64"), at, "latin1");
      at += json.write(tails[i]!, at, "utf8");
    }
    json.write(after, at, "utf8");
    return json;
  };
  const pieceBytes = serverDefaults.responsePieceBytes;
  if (length <= pieceBytes) return write(0, records.length, opening, closing);
  function* pieces(): Generator<Buffer> {
    let from = 0;
    do {
      let to = from;
      for (let bytes = 0; to < records.length && bytes < pieceBytes; to++) bytes += sizes[to]!;
      yield write(from, to, from === 0 ? opening : "", to === records.length ? closing : "");
      from = to;
    } while (from < records.length);
  }
  return { length, pieces };
}

/** The output's other members, in its order, around the records: `{"A":…,"Records":[` and `],"B":…}`. */
function aroundRecords(output: object): { opening: string; closing: string } {
  let opening = "{";
  let closing: string | null = null;
  for (const [name, value] of Object.entries(output)) {
    if (name === "Records") closing = "]";
    else if (value === undefined) continue;
    else if (closing === null) opening += `${JSON.stringify(name)}:${JSON.stringify(value)},`;
    else closing += `,${JSON.stringify(name)}:${JSON.stringify(value)}`;
  }
  return { opening: `${opening}"Records":[`, closing: `${closing ?? "]"}}` };
}
