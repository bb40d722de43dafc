/** The region a request is for, as its SigV4 credential scope says (`Credential=<key>/<date>/<region>/<service>/aws4_request`). */
import { kinesisLimits } from "../../config/limits.js";

const scopePattern = /Credential=[^/,\s]+\/\d{8}\/([a-z0-9-]+)\//;

export function requestRegion(authorization: string | undefined, queryCredential: string | null): string {
  const fromHeader = authorization === undefined ? null : scopePattern.exec(authorization);
  if (fromHeader !== null) return fromHeader[1]!;
  const fromQuery = queryCredential?.split("/")[2];
  return fromQuery !== undefined && /^[a-z0-9-]+$/.test(fromQuery) ? fromQuery : kinesisLimits.defaultRegion;
}
