/** Firehose tag rules that the shape interpreter cannot check (AWS's patterns use Unicode classes). */
import { invalidArgument } from "../../delivery/errors.js";

const keyPattern = /^(?!aws:)[\p{L}\p{Z}\p{N}_.:/=+\-@%]*$/u;
const valuePattern = /^[\p{L}\p{Z}\p{N}_.:/=+\-@%]*$/u;

export function checkTagKey(key: string): void {
  if (!keyPattern.test(key)) throw invalidArgument(`Tag key ${key} is invalid: keys may not start with aws: and may hold letters, digits, spaces and _ . : / = + - @ %.`);
}

export function checkTags(tags: ReadonlyArray<{ Key: string; Value?: string }>): { [key: string]: string } {
  const result: { [key: string]: string } = {};
  for (const tag of tags) {
    checkTagKey(tag.Key);
    const value = tag.Value ?? "";
    if (!valuePattern.test(value)) throw invalidArgument(`Tag value ${value} is invalid: values may hold letters, digits, spaces and _ . : / = + - @ %.`);
    result[tag.Key] = value;
  }
  return result;
}
