/**
 * The credentials file (`--credentials <file>`): the access keys whose SigV4 signatures the server accepts. Two
 * formats, which may be mixed:
 *
 *   # one pair per line
 *   AKIDEXAMPLE:wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY
 *
 *   # the AWS shared credentials format (~/.aws/credentials); other keys (region, aws_session_token) are ignored
 *   [default]
 *   aws_access_key_id = AKIDEXAMPLE
 *   aws_secret_access_key = wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY
 *
 * One-per-line pairs come before any `[profile]`. Blank lines and lines starting with `#` or `;` are ignored. The
 * file is read once, at start.
 */
import { readFile } from "node:fs/promises";
import { ConfigError } from "./config.js";

/** Secret access key by access key id. */
export type Credentials = ReadonlyMap<string, string>;

export async function loadCredentialsFile(path: string): Promise<Credentials> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new ConfigError(`cannot read credentials file ${path}: ${(error as Error).message}`);
  }
  return parseCredentials(text, path);
}

export function parseCredentials(text: string, source: string): Credentials {
  const secrets = new Map<string, string>();
  const fail = (line: number, message: string): never => {
    throw new ConfigError(`credentials file ${source}, line ${line}: ${message}`);
  };
  const add = (line: number, accessKeyId: string, secret: string): void => {
    if (!/^[\x21-\x7e]+$/.test(accessKeyId)) fail(line, "an access key id is printable ASCII without spaces or '/'");
    if (accessKeyId.includes("/")) fail(line, "an access key id cannot contain '/'");
    if (secret === "") fail(line, `access key ${accessKeyId} has an empty secret`);
    const existing = secrets.get(accessKeyId);
    if (existing !== undefined && existing !== secret) fail(line, `access key ${accessKeyId} is listed twice with different secrets`);
    secrets.set(accessKeyId, secret);
  };

  let profile: { name: string; line: number; id?: string; secret?: string } | null = null;
  const closeProfile = (): void => {
    if (profile === null) return;
    if (profile.id === undefined || profile.secret === undefined) {
      fail(profile.line, `profile [${profile.name}] needs both aws_access_key_id and aws_secret_access_key`);
    }
    add(profile.line, profile.id!, profile.secret!);
    profile = null;
  };

  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    const trimmed = raw.trim();
    if (trimmed === "" || trimmed.startsWith("#") || trimmed.startsWith(";")) return;
    const section = /^\[([^\]]+)\]$/.exec(trimmed);
    if (section !== null) {
      closeProfile();
      profile = { name: section[1]!.trim(), line };
      return;
    }
    const setting = /^([A-Za-z_][A-Za-z0-9_]*)\s*[=:]\s*(.*)$/.exec(trimmed);
    if (setting !== null && profile !== null) {
      const [, name, value] = setting as unknown as [string, string, string];
      if (name.toLowerCase() === "aws_access_key_id") profile.id = value.trim();
      else if (name.toLowerCase() === "aws_secret_access_key") profile.secret = value.trim();
      return;
    }
    const colon = trimmed.indexOf(":");
    if (colon > 0 && profile === null) {
      add(line, trimmed.slice(0, colon).trim(), trimmed.slice(colon + 1).trim());
      return;
    }
    fail(line, "expected ACCESS_KEY_ID:SECRET_ACCESS_KEY, a [profile] header, or key = value inside a profile");
  });
  closeProfile();
  if (secrets.size === 0) throw new ConfigError(`credentials file ${source} holds no access keys`);
  return secrets;
}
