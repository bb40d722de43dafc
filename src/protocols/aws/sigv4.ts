/**
 * AWS Signature Version 4 verification, for servers started with credentials (`--credentials`). Without them the
 * dispatcher never calls this and any signature is accepted, as local emulators do.
 *
 * Both forms AWS accepts are checked: the `Authorization` header, and a presigned query string (`X-Amz-Algorithm`,
 * `X-Amz-Credential`, `X-Amz-Date`, `X-Amz-SignedHeaders`, `X-Amz-Signature`, optional `X-Amz-Expires`). The checks
 * run in AWS's order, each failing with AWS's exception and wording:
 *
 *   1. neither form → MissingAuthenticationTokenException; both → InvalidSignatureException;
 *   2. a missing part (Credential, Signature, SignedHeaders, a date) → IncompleteSignatureException naming each one;
 *   3. `host` / `:authority` not signed → InvalidSignatureException; a malformed date → IncompleteSignatureException;
 *   4. the date outside the allowed skew (or past `X-Amz-Expires`) → InvalidSignatureException "Signature expired" /
 *      "Signature not yet current", checked before the key is even looked up, as AWS does;
 *   5. the credential scope (`<key>/<yyyymmdd>/<region>/<service>/aws4_request`): malformed →
 *      IncompleteSignatureException; wrong service, terminator or date → InvalidSignatureException;
 *   6. an unknown access key → UnrecognizedClientException;
 *   7. the signature itself, recomputed over the request as received, body included, and compared in constant time
 *      → InvalidSignatureException.
 *
 * The payload hash is always computed from the body received, as AWS does for every service but S3: an
 * `x-amz-content-sha256` header is not trusted (when signed, it is just another signed header). A presigned request is
 * accepted with either its body's hash or `UNSIGNED-PAYLOAD` in the canonical request, because signers differ:
 * botocore presigns with `UNSIGNED-PAYLOAD`, the JavaScript SDK's signer with the body's hash. Every status is 400,
 * as Kinesis answers these (AWS's JSON-protocol services do not use 403 for them).
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { sigV4Limits } from "../../config/limits.js";
import type { Clock } from "../../util/clock.js";
import { AwsError } from "./errors.js";

export interface SignedRequest {
  readonly method: string;
  /** Path and query exactly as received (still percent-encoded). */
  readonly url: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
}

const algorithm = "AWS4-HMAC-SHA256";
const terminator = "aws4_request";
const unsignedPayload = "UNSIGNED-PAYLOAD";

const messages = {
  missingToken: "Missing Authentication Token",
  bothForms: "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.",
  hostNotSigned: "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
  mismatch:
    "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
  unknownKey: "The security token included in the request is invalid.",
} as const;

const incomplete = (message: string) => new AwsError("IncompleteSignatureException", message);
const invalid = (message: string) => new AwsError("InvalidSignatureException", message);

/** The SigV4 signing name of a JSON-protocol service: `Kinesis_20131202` → `kinesis`, `Firehose_20150804` → `firehose`. */
export function signingName(targetPrefix: string): string {
  return targetPrefix.split("_")[0]!.toLowerCase();
}

/** What the request claims: its signature and what was signed, before anything is checked against a key. */
interface Claim {
  readonly credential: string;
  readonly signature: string;
  readonly signedHeaders: readonly string[];
  readonly signedHeadersText: string;
  readonly dateText: string;
  /** Presigned requests only: seconds the signature stays valid after its date. */
  readonly expiresSeconds?: number;
  readonly presigned: boolean;
}

export class SigV4Verifier {
  constructor(
    /** Secret access key by access key id. */
    private readonly secrets: ReadonlyMap<string, string>,
    private readonly clock: Clock,
  ) {}

  /** Throws the AwsError AWS would answer, or returns when the request is signed by a known key. */
  verify(request: SignedRequest, service: string): void {
    const queryStart = request.url.indexOf("?");
    const rawPath = queryStart < 0 ? request.url : request.url.slice(0, queryStart);
    const query = parseQuery(queryStart < 0 ? "" : request.url.slice(queryStart + 1));
    const authorization = headerValue(request.headers, "authorization")?.trim();
    const claim = readClaim(authorization === "" ? undefined : authorization, query, request.headers);

    if (!claim.signedHeaders.includes("host") && !claim.signedHeaders.includes(":authority")) {
      throw invalid(messages.hostNotSigned);
    }
    const date = parseRequestDate(claim.dateText);
    this.checkTime(date, claim);

    const parts = claim.credential.split("/");
    if (parts.length !== 5) {
      throw incomplete(
        `Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${claim.credential}'`,
      );
    }
    const [accessKeyId, scopeDate, region, scopeService, scopeTerminator] = parts as [string, string, string, string, string];
    const isoDate = basicIso(date);
    const scopeErrors: string[] = [];
    if (!/^[a-z0-9-]+$/.test(region)) scopeErrors.push(`Credential should be scoped to a valid region, not '${region}'.`);
    if (scopeService !== service) scopeErrors.push(`Credential should be scoped to correct service: '${service}'.`);
    if (scopeTerminator !== terminator) {
      scopeErrors.push(`Credential should be scoped with a valid terminator: '${terminator}', not '${scopeTerminator}'.`);
    }
    if (scopeDate !== isoDate.slice(0, 8)) {
      scopeErrors.push(
        `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${scopeDate}' != '${isoDate.slice(0, 8)}', from '${isoDate}'.`,
      );
    }
    if (scopeErrors.length > 0) throw invalid(scopeErrors.join(" "));

    const secret = this.secrets.get(accessKeyId);
    if (secret === undefined) throw new AwsError("UnrecognizedClientException", messages.unknownKey);

    const scope = `${scopeDate}/${region}/${service}/${terminator}`;
    const key = signingKey(secret, scopeDate, region, service);
    const head = [
      request.method,
      canonicalPath(rawPath),
      canonicalQuery(query, claim.presigned),
      canonicalHeaders(request.headers, claim.signedHeaders),
      claim.signedHeadersText,
    ].join("\n");
    const payloadHashes = [sha256Hex(request.body)];
    if (claim.presigned) payloadHashes.push(unsignedPayload);
    let matched = false;
    for (const payloadHash of payloadHashes) {
      const stringToSign = [algorithm, isoDate, scope, sha256Hex(`${head}\n${payloadHash}`)].join("\n");
      const expected = createHmac("sha256", key).update(stringToSign, "utf8").digest("hex");
      // Every candidate is computed and compared, so the time taken does not say which one matched.
      if (constantTimeEqual(expected, claim.signature)) matched = true;
    }
    if (!matched) throw invalid(messages.mismatch);
  }

  private checkTime(date: number, claim: Claim): void {
    const now = this.clock.now();
    const skew = sigV4Limits.clockSkewMs;
    // A presigned request is good for X-Amz-Expires seconds after its date instead of the usual skew.
    const validFor = claim.expiresSeconds === undefined ? skew : claim.expiresSeconds * 1000;
    const validForText = claim.expiresSeconds === undefined ? `${skew / 60_000} min.` : `${claim.expiresSeconds} sec.`;
    if (date < now - validFor) {
      throw invalid(`Signature expired: ${basicIso(date)} is now earlier than ${basicIso(now - validFor)} (${basicIso(now)} - ${validForText})`);
    }
    if (date > now + skew) {
      throw invalid(
        `Signature not yet current: ${basicIso(date)} is still later than ${basicIso(now + skew)} (${basicIso(now)} + ${skew / 60_000} min.)`,
      );
    }
  }
}

function readClaim(
  authorization: string | undefined,
  query: readonly QueryParameter[],
  headers: SignedRequest["headers"],
): Claim {
  const fromQuery = (name: string) => query.find((parameter) => parameter.key === name)?.value;
  const queryAlgorithm = fromQuery("X-Amz-Algorithm");
  if (authorization !== undefined && queryAlgorithm !== undefined) throw invalid(messages.bothForms);
  if (authorization === undefined && queryAlgorithm === undefined) {
    throw new AwsError("MissingAuthenticationTokenException", messages.missingToken);
  }
  return authorization !== undefined ? headerClaim(authorization, headers) : queryClaim(fromQuery);
}

/** `AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`: parts separated by commas and/or spaces. */
function headerClaim(authorization: string, headers: SignedRequest["headers"]): Claim {
  const [headerAlgorithm = "", ...parts] = authorization.split(/[\s,]+/).filter((part) => part !== "");
  const parameters = new Map<string, string>();
  for (const part of parts) {
    const equals = part.indexOf("=");
    if (equals < 0) {
      throw incomplete(`'${part}' not a valid key=value pair (missing equal-sign) in Authorization header: '${authorization}'`);
    }
    parameters.set(part.slice(0, equals), part.slice(equals + 1));
  }
  const dateText = headerValue(headers, "x-amz-date") ?? headerValue(headers, "date");
  const missing: string[] = [];
  for (const name of ["Credential", "Signature", "SignedHeaders"]) {
    if (!parameters.get(name)) missing.push(`Authorization header requires '${name}' parameter.`);
  }
  if (!dateText) missing.push("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
  if (missing.length > 0) throw incomplete(`${missing.join(" ")} Authorization=${authorization}`);
  if (headerAlgorithm !== algorithm) throw incomplete(`Unsupported AWS 'algorithm': '${headerAlgorithm}'.`);
  const signedHeadersText = parameters.get("SignedHeaders")!;
  return {
    credential: parameters.get("Credential")!,
    signature: parameters.get("Signature")!,
    signedHeaders: signedHeadersText.split(";"),
    signedHeadersText,
    dateText: dateText!,
    presigned: false,
  };
}

function queryClaim(fromQuery: (name: string) => string | undefined): Claim {
  const required = ["X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-SignedHeaders", "X-Amz-Date"];
  const missing = required.filter((name) => !fromQuery(name)).map((name) => `AWS query-string parameters must include '${name}'.`);
  if (missing.length > 0) throw incomplete(`${missing.join(" ")} Re-examine the query-string parameters.`);
  if (fromQuery("X-Amz-Algorithm") !== algorithm) {
    throw new AwsError("MissingAuthenticationTokenException", messages.missingToken);
  }
  const expiresText = fromQuery("X-Amz-Expires");
  let expiresSeconds: number | undefined;
  if (expiresText !== undefined) {
    if (!/^-?\d+$/.test(expiresText)) throw incomplete("X-Amz-Expires should be a number");
    expiresSeconds = Number(expiresText);
    if (expiresSeconds < 0) throw incomplete("X-Amz-Expires must be non-negative");
    if (expiresSeconds > sigV4Limits.presignedMaxExpiresSeconds) {
      throw incomplete(
        `X-Amz-Expires must be less than a week (in seconds) that is ${sigV4Limits.presignedMaxExpiresSeconds}`,
      );
    }
  }
  const signedHeadersText = fromQuery("X-Amz-SignedHeaders")!;
  return {
    credential: fromQuery("X-Amz-Credential")!,
    signature: fromQuery("X-Amz-Signature")!,
    signedHeaders: signedHeadersText.split(";"),
    signedHeadersText,
    dateText: fromQuery("X-Amz-Date")!,
    ...(expiresSeconds === undefined ? {} : { expiresSeconds }),
    presigned: true,
  };
}

/** `20260101T120000Z`, or an HTTP `Date` header (RFC 1123) when the request has no X-Amz-Date. Epoch ms. */
function parseRequestDate(text: string): number {
  const basic = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (basic !== null) {
    const [year, month, day, hour, minute, second] = basic.slice(1).map(Number) as [number, number, number, number, number, number];
    const time = Date.UTC(year, month - 1, day, hour, minute, second);
    if (basicIso(time) === text) return time;
  } else if (/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(text)) {
    const time = Date.parse(text);
    if (!Number.isNaN(time)) return time;
  }
  throw incomplete(`Date must be in ISO-8601 'basic format'. Got '${text}'. See http://en.wikipedia.org/wiki/ISO_8601`);
}

/** `YYYYMMDDTHHMMSSZ`. */
function basicIso(time: number): string {
  return new Date(time).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
}

function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  const dateKey = createHmac("sha256", `AWS4${secret}`).update(date, "utf8").digest();
  const regionKey = createHmac("sha256", dateKey).update(region, "utf8").digest();
  const serviceKey = createHmac("sha256", regionKey).update(service, "utf8").digest();
  return createHmac("sha256", serviceKey).update(terminator, "utf8").digest();
}

function sha256Hex(data: Buffer | string): string {
  return createHash("sha256").update(data).digest("hex");
}

function constantTimeEqual(expected: string, given: string): boolean {
  const a = Buffer.from(expected, "utf8");
  const b = Buffer.from(given, "utf8");
  if (a.length !== b.length) {
    timingSafeEqual(a, a);
    return false;
  }
  return timingSafeEqual(a, b);
}

function headerValue(headers: SignedRequest["headers"], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(",") : value;
}

/** RFC 3986 encoding as SigV4 wants it: everything but `A-Z a-z 0-9 - _ . ~` percent-encoded, in upper-case hex. */
function uriEscape(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function percentDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * The path as received, with `.`/`..`/empty segments resolved and encoded once more: every AWS service but S3
 * signs the already-encoded path encoded again.
 */
function canonicalPath(rawPath: string): string {
  const segments: string[] = [];
  for (const segment of rawPath.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") segments.pop();
    else segments.push(segment);
  }
  const trailing = segments.length > 0 && rawPath.endsWith("/") ? "/" : "";
  return `/${segments.map(uriEscape).join("/")}${trailing}`;
}

interface QueryParameter {
  readonly key: string;
  readonly value: string;
}

/** Query parameters, percent-decoded (`+` stays a plus sign, as SigV4 signers encode a space as `%20`). */
function parseQuery(rawQuery: string): QueryParameter[] {
  return rawQuery
    .split("&")
    .filter((pair) => pair !== "")
    .map((pair) => {
      const equals = pair.indexOf("=");
      return equals < 0
        ? { key: percentDecode(pair), value: "" }
        : { key: percentDecode(pair.slice(0, equals)), value: percentDecode(pair.slice(equals + 1)) };
    });
}

function canonicalQuery(query: readonly QueryParameter[], presigned: boolean): string {
  return query
    .filter((parameter) => !(presigned && parameter.key === "X-Amz-Signature"))
    .map((parameter) => [uriEscape(parameter.key), uriEscape(parameter.value)] as const)
    .sort(([keyA, valueA], [keyB, valueB]) => (keyA !== keyB ? (keyA < keyB ? -1 : 1) : valueA < valueB ? -1 : valueA > valueB ? 1 : 0))
    .map(([key, value]) => `${key}=${value}`)
    .join("&");
}

/**
 * One `name:value` line per signed header present, values trimmed with inner whitespace runs collapsed. Over HTTP/2
 * the host arrives as `:authority`; a signer may have called it either.
 */
function canonicalHeaders(headers: SignedRequest["headers"], signed: readonly string[]): string {
  let lines = "";
  for (const name of signed) {
    let value = headerValue(headers, name);
    if (value === undefined && name === "host") value = headerValue(headers, ":authority");
    if (value === undefined && name === ":authority") value = headerValue(headers, "host");
    if (value === undefined) continue;
    lines += `${name}:${value.trim().replace(/\s+/g, " ")}\n`;
  }
  return lines;
}
