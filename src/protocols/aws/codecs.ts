/**
 * The two body encodings of the AWS JSON protocols. The response uses the request's encoding.
 * JSON 1.1 is what botocore, the CLI, JS, Go and .NET send; CBOR 1.1 is the Java SDKs' default (so KCL, Flink,
 * Spark). Timestamp and blob conventions per encoding are the services' business, not the codec's.
 */
import { Decoder, Encoder } from "cbor-x";

export interface AwsCodec {
  readonly contentType: string;
  /** Throws on bytes that are not a document of this encoding. */
  decode(body: Buffer): unknown;
  encode(value: unknown): Buffer;
}

export const jsonCodec: AwsCodec = {
  contentType: "application/x-amz-json-1.1",
  decode: (body) => JSON.parse(body.toString("utf8")),
  encode: (value) => Buffer.from(JSON.stringify(value), "utf8"),
};

const cbor = new Encoder({ useRecords: false, mapsAsObjects: true });
const cborDecoder = new Decoder({ useRecords: false, mapsAsObjects: true });

export const cborCodec: AwsCodec = {
  contentType: "application/x-amz-cbor-1.1",
  decode: (body) => cborDecoder.decode(body),
  encode: (value) => cbor.encode(value),
};

const codecsByContentType = new Map<string, AwsCodec>([
  ["application/x-amz-json-1.1", jsonCodec],
  ["application/x-amz-json-1.0", jsonCodec],
  ["application/x-amz-cbor-1.1", cborCodec],
]);

/** The codec for a Content-Type header (parameters such as charset ignored), or undefined. */
export function codecFor(contentType: string | undefined): AwsCodec | undefined {
  const mediaType = (contentType ?? "").split(";")[0]!.trim().toLowerCase();
  return codecsByContentType.get(mediaType);
}
