/**
 * Pagination tokens (ListStreams, ListShards, ListStreamConsumers): opaque to clients, they carry where the next
 * page starts and when they were issued; AWS lets them expire after 300 seconds.
 */
import { kinesisLimits } from "../config/limits.js";
import { expiredNextToken, invalidArgument } from "./errors.js";

export interface PageToken {
  /** Which listing issued it, so a token is not accepted by another. */
  readonly kind: string;
  /** The stream listed, for per-stream listings. */
  readonly stream?: string;
  /** The last item of the previous page. */
  readonly after: string;
  /** Anything else a listing needs to carry from page to page (ListShards: the stream's creation time, its filter). */
  readonly state?: Readonly<Record<string, string | number>>;
  readonly issuedAt: number;
}

export function encodePageToken(token: PageToken): string {
  return Buffer.from(JSON.stringify(token), "utf8").toString("base64");
}

export function decodePageToken(text: string, kind: string, now: number): PageToken {
  let token: PageToken;
  try {
    token = JSON.parse(Buffer.from(text, "base64").toString("utf8")) as PageToken;
  } catch {
    throw invalidArgument(`Invalid NextToken.`);
  }
  if (typeof token !== "object" || token === null || token.kind !== kind || typeof token.after !== "string" || typeof token.issuedAt !== "number") {
    throw invalidArgument(`Invalid NextToken.`);
  }
  if (now - token.issuedAt > kinesisLimits.nextTokenTtlMs) {
    throw expiredNextToken(`The timestamp in NextToken has expired. Please call ${kind} again without NextToken.`);
  }
  return token;
}
