/**
 * The S3 CompressionFormat of a Firehose destination, applied to each object the delivery loop flushes, in the
 * container formats real Firehose delivers (as observed on objects AWS wrote, not only as documented):
 *
 *   GZIP           one gzip member;
 *   ZIP            a ZIP archive holding one deflated entry, named with a random UUID (not after the object);
 *   Snappy         snappy-java's stream format (xerial `SnappyOutputStream`: magic `\x82SNAPPY\0`, version 1,
 *                  compatible version 1, then per 32 KiB of input a big-endian compressed length and a raw Snappy
 *                  block), NOT the official Snappy framing format, which AWS's objects fail to parse as;
 *   HADOOP_SNAPPY  Hadoop's block format (what Hadoop's SnappyCodec reads, as snappy-java's
 *                  `SnappyHadoopCompatibleOutputStream` writes it: per 32 KiB of input, the big-endian input length,
 *                  the big-endian compressed length and a raw Snappy block; no stream header).
 *
 * Both Snappy variants get the key suffix ".snappy"; the S3 object-name documentation tables ".hsnappy" for
 * HADOOP_SNAPPY, but the service appends ".snappy", and only the Content-Encoding tells the two apart.
 */
import { randomUUID } from "node:crypto";
import { promisify } from "node:util";
import { gzip } from "node:zlib";
import { invalidArgument } from "./errors.js";

export const s3CompressionFormats = ["UNCOMPRESSED", "GZIP", "ZIP", "Snappy", "HADOOP_SNAPPY"] as const;
export type S3CompressionFormat = (typeof s3CompressionFormats)[number];

const gzipAsync = promisify(gzip);

/** snappy-java's default block size, which both of AWS's Snappy containers use. */
const snappyBlockBytes = 32 * 1024;
/** snappy-java's stream header: the magic, then the format version and the oldest version that can read it. */
const snappyJavaHeader = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00, 0, 0, 0, 1, 0, 0, 0, 1]);

/** A flushed object's bytes, compressed as the destination's CompressionFormat says. */
export async function compressObject(format: S3CompressionFormat, body: Buffer): Promise<Buffer> {
  switch (format) {
    case "UNCOMPRESSED":
      return body;
    case "GZIP":
      return gzipAsync(body);
    case "ZIP": {
      // The codecs load on first use: most servers never need them (snappy is a native addon).
      const { zipSync } = await import("fflate");
      return Buffer.from(zipSync({ [randomUUID()]: body }));
    }
    case "Snappy":
      return Buffer.concat([snappyJavaHeader, ...(await snappyBlocks(body, false))]);
    case "HADOOP_SNAPPY":
      return Buffer.concat(await snappyBlocks(body, true));
  }
}

/** Each 32 KiB of input as `[input length (Hadoop only)] compressed length, block`, lengths big-endian. */
async function snappyBlocks(body: Buffer, withInputLength: boolean): Promise<Buffer[]> {
  const { compressSync } = await import("snappy");
  const parts: Buffer[] = [];
  for (let start = 0; start < body.length; start += snappyBlockBytes) {
    const input = body.subarray(start, start + snappyBlockBytes);
    const block = compressSync(input);
    const lengths = Buffer.alloc(withInputLength ? 8 : 4);
    if (withInputLength) lengths.writeUInt32BE(input.length, 0);
    lengths.writeUInt32BE(block.length, lengths.length - 4);
    parts.push(lengths, block);
  }
  return parts;
}

/** The suffix Firehose appends to an object's key for its compression (none when uncompressed). */
export function objectSuffix(format: S3CompressionFormat): string {
  switch (format) {
    case "UNCOMPRESSED":
      return "";
    case "GZIP":
      return ".gz";
    case "ZIP":
      return ".zip";
    case "Snappy":
    case "HADOOP_SNAPPY":
      return ".snappy";
  }
}

/** The Content-Encoding Firehose puts on a compressed object (the object's Content-Type is application/octet-stream). */
export function contentEncodingOf(format: S3CompressionFormat): string | null {
  switch (format) {
    case "UNCOMPRESSED":
      return null;
    case "GZIP":
      return "gzip";
    case "ZIP":
      return "zip";
    case "Snappy":
      return "snappy-java";
    case "HADOOP_SNAPPY":
      return "hadoop-snappy";
  }
}

/** Where the compressed objects go: only S3 (and its Extended form) takes all formats. */
export type CompressedDestinationKind = "S3" | "Redshift" | "HttpEndpoint";

/**
 * AWS's rules on a destination's CompressionFormat, for CreateDeliveryStream and UpdateDestination: record format
 * conversion compresses inside the Parquet file, so the object itself must stay UNCOMPRESSED; a Redshift COPY and an
 * HTTP endpoint's S3 backup take only GZIP. (The wording is Freshet's; AWS's exact messages are not documented.)
 */
export function checkCompressionFormat(format: S3CompressionFormat, destination: CompressedDestinationKind, formatConversion: boolean): void {
  if (formatConversion && format !== "UNCOMPRESSED") {
    throw invalidArgument(
      `CompressionFormat ${format} is not supported with DataFormatConversionConfiguration enabled: set CompressionFormat to UNCOMPRESSED and choose the compression in the ParquetSerDe.`,
    );
  }
  if (destination !== "S3" && format !== "UNCOMPRESSED" && format !== "GZIP") {
    throw invalidArgument(`CompressionFormat ${format} is not supported for the ${destination} destination; only UNCOMPRESSED and GZIP are.`);
  }
}
