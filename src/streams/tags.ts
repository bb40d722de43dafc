/**
 * Tags on streams and consumers: AddTagsToStream / RemoveTagsFromStream / ListTagsForStream by stream, TagResource /
 * UntagResource / ListTagsForResource by ARN. Adding overwrites the values of keys already there; removing a key
 * that is not there is ignored; at most `kinesisLimits.tagsPerStream` tags per resource. The rules and AWS's
 * wording are in limits.ts (`kinesisTagRules`).
 */
import { kinesisLimits, kinesisTagRules } from "../config/limits.js";
import { invalidArgument } from "./errors.js";
import { amendResource, describeResource, readResource, type ResourceTarget } from "./resources.js";
import type { StreamsService } from "./streams-service.js";

export interface Tag {
  readonly key: string;
  readonly value: string;
}

export interface TagPage {
  readonly tags: Tag[];
  readonly hasMore: boolean;
}

export async function addTags(streams: StreamsService, target: ResourceTarget, tags: Readonly<Record<string, string>>): Promise<void> {
  await amendResource(streams, target, (current) => {
    checkCharacters([...Object.keys(tags), ...Object.values(tags)], "add tags to", target);
    const next = { ...current.tags, ...tags };
    if (Object.keys(next).length > kinesisLimits.tagsPerStream) {
      throw invalidArgument(kinesisTagRules.tooMany(describeResource(target), target.kind));
    }
    return { ...current, tags: next };
  });
}

export async function removeTags(streams: StreamsService, target: ResourceTarget, keys: readonly string[]): Promise<void> {
  await amendResource(streams, target, (current) => {
    checkCharacters(keys, "remove tags from", target);
    const next = { ...current.tags };
    for (const key of keys) delete next[key];
    return { ...current, tags: next };
  });
}

/** Every tag, by key. */
export function listTags(streams: StreamsService, target: ResourceTarget): Tag[] {
  const tags = readResource(streams, target).tags;
  return Object.keys(tags)
    .sort(compare)
    .map((key) => ({ key, value: tags[key]! }));
}

/** ListTagsForStream: the tags after `exclusiveStartKey`, by key, at most `limit`. */
export function listTagsPage(streams: StreamsService, target: ResourceTarget, exclusiveStartKey: string | undefined, limit: number): TagPage {
  const all = listTags(streams, target);
  const remaining = exclusiveStartKey === undefined ? all : all.filter((tag) => compare(tag.key, exclusiveStartKey) > 0);
  return { tags: remaining.slice(0, limit), hasMore: remaining.length > limit };
}

function checkCharacters(texts: readonly string[], change: string, target: ResourceTarget): void {
  if (texts.some((text) => !kinesisTagRules.allowedCharacters.test(text))) throw invalidArgument(kinesisTagRules.invalidCharacters);
  if (texts.some((text) => text.includes("%"))) throw invalidArgument(kinesisTagRules.illegalCharacters(change, describeResource(target)));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
