/**
 * ListShards: which of a stream's shards a listing shows, page by page.
 *
 * A shard lives from `createdAt` until `closedAt` (a split or merge); its records stay readable for the stream's
 * retention period after that, and once that has passed too the shard is expired and no longer listed. The trim
 * horizon is the oldest time a reader can still reach: the retention period ago, or the stream's creation if that
 * is later. The filters, as the ShardFilter documentation defines them:
 *
 *   (none), FROM_TRIM_HORIZON  every shard not expired (open, or closed at or after the trim horizon)
 *   AFTER_SHARD_ID             the same, starting after the given shard ID
 *   AT_LATEST                  the open shards
 *   AT_TRIM_HORIZON            the shards open at the trim horizon
 *   AT_TIMESTAMP               the shards open at the timestamp: created at or before it, and open or closed at or
 *                              after it (a timestamp before the trim horizon is taken as the trim horizon)
 *   FROM_TIMESTAMP             the open shards and those closed at or after the timestamp (corrected up to the
 *                              trim horizon)
 *
 * Shards are listed in shard ID order. A NextToken carries the stream (name, region, creation time), the filter
 * resolved to a fixed time, and the last shard ID listed, so every page of one listing applies the same filter.
 */
import { kinesisLimits } from "../config/limits.js";
import { resolveStream } from "./arns.js";
import { invalidArgument, resourceInUse } from "./errors.js";
import { isOpen, type ShardRecord, type StreamRecord, streamStatus } from "./model.js";
import { decodePageToken, encodePageToken } from "./next-tokens.js";
import { streamNotFound, type StreamRef } from "./stream-catalog.js";
import type { StreamsService } from "./streams-service.js";

export const shardFilterTypes = [
  "AFTER_SHARD_ID",
  "AT_TRIM_HORIZON",
  "FROM_TRIM_HORIZON",
  "AT_LATEST",
  "AT_TIMESTAMP",
  "FROM_TIMESTAMP",
] as const;

export type ShardFilterType = (typeof shardFilterTypes)[number];

export interface ShardFilter {
  readonly type: ShardFilterType;
  readonly shardId?: string;
  /** Epoch milliseconds. */
  readonly timestamp?: number;
}

export interface ListShardsRequest {
  readonly nextToken?: string;
  readonly streamName?: string;
  readonly streamArn?: string;
  readonly exclusiveStartShardId?: string;
  /** Epoch milliseconds. */
  readonly streamCreationTimestamp?: number;
  readonly maxResults?: number;
  readonly filter?: ShardFilter;
}

export interface ShardPage {
  readonly shards: ShardRecord[];
  readonly nextToken?: string;
}

/** A filter with its time fixed, as a NextToken carries it. */
interface ResolvedFilter {
  readonly type: "ALL" | "AT_LATEST" | "OPEN_AT" | "CLOSED_SINCE";
  /** OPEN_AT: the instant; ALL and CLOSED_SINCE: the earliest closing time still listed. */
  readonly at: number;
}

const resolvedTypes: readonly ResolvedFilter["type"][] = ["ALL", "AT_LATEST", "OPEN_AT", "CLOSED_SINCE"];
const tokenKind = "ListShards";
const hourMs = 3_600_000;

export function listShards(streams: StreamsService, region: string, request: ListShardsRequest): ShardPage {
  const now = streams.now();
  let ref: StreamRef;
  let createdAt: number | undefined;
  let filter: ResolvedFilter | undefined;
  let after: string | undefined;
  if (request.nextToken !== undefined) {
    rejectWithNextToken(request);
    const token = decodePageToken(request.nextToken, tokenKind, now);
    const state = token.state ?? {};
    const [tokenRegion, name] = [state["region"], state["name"]];
    const [type, at] = [state["filter"], state["at"]];
    const known = resolvedTypes.includes(type as ResolvedFilter["type"]);
    if (typeof tokenRegion !== "string" || typeof name !== "string" || typeof state["createdAt"] !== "number" || !known || typeof at !== "number") {
      throw invalidArgument("Invalid NextToken.");
    }
    ref = { region: tokenRegion, name };
    createdAt = state["createdAt"];
    filter = { type: type as ResolvedFilter["type"], at };
    after = token.after;
  } else {
    if (request.streamName === undefined && request.streamArn === undefined) {
      throw invalidArgument("Either NextToken or StreamName should be provided.");
    }
    checkFilter(request.filter);
    ref = resolveStream(region, { streamName: request.streamName, streamArn: request.streamArn });
    after = latest(request.exclusiveStartShardId, request.filter?.type === "AFTER_SHARD_ID" ? request.filter.shardId : undefined);
  }

  const stream = streams.stream(ref).record;
  if (createdAt !== undefined ? stream.createdAt !== createdAt : !sameCreation(stream, request.streamCreationTimestamp)) {
    throw streamNotFound(ref.name);
  }
  const status = streamStatus(stream, now);
  if (status === "CREATING") {
    throw resourceInUse(`Stream ${stream.name} under account ${kinesisLimits.accountId} not ACTIVE, instead in state ${status}`);
  }
  filter ??= resolveFilter(stream, request.filter, now);

  const listed = selectShards(stream, filter).filter((shard) => after === undefined || shard.shardId > after);
  const limit = Math.min(request.maxResults ?? kinesisLimits.listShardsDefaultMaxResults, kinesisLimits.listShardsMaxResults);
  const page = listed.slice(0, limit);
  if (listed.length <= page.length) return { shards: page };
  const nextToken = encodePageToken({
    kind: tokenKind,
    after: page.at(-1)!.shardId,
    state: { region: ref.region, name: stream.name, createdAt: stream.createdAt, filter: filter.type, at: filter.at },
    issuedAt: now,
  });
  return { shards: page, nextToken };
}

/** The shards a resolved filter selects, in shard ID order. */
function selectShards(stream: StreamRecord, filter: ResolvedFilter): ShardRecord[] {
  const selected = stream.shards.filter((shard) => {
    switch (filter.type) {
      case "AT_LATEST":
        return isOpen(shard);
      case "OPEN_AT":
        return shard.createdAt <= filter.at && (isOpen(shard) || shard.closedAt! >= filter.at);
      default:
        return isOpen(shard) || shard.closedAt! >= filter.at;
    }
  });
  return selected.sort((a, b) => (a.shardId < b.shardId ? -1 : a.shardId > b.shardId ? 1 : 0));
}

/** The oldest time a reader of the stream can still reach. */
export function trimHorizonTime(stream: StreamRecord, now: number): number {
  return Math.max(now - stream.retentionHours * hourMs, stream.createdAt);
}

function resolveFilter(stream: StreamRecord, filter: ShardFilter | undefined, now: number): ResolvedFilter {
  const horizon = trimHorizonTime(stream, now);
  switch (filter?.type) {
    case "AT_LATEST":
      return { type: "AT_LATEST", at: now };
    case "AT_TRIM_HORIZON":
      return { type: "OPEN_AT", at: horizon };
    case "AT_TIMESTAMP":
      return { type: "OPEN_AT", at: Math.max(filter.timestamp!, horizon) };
    case "FROM_TIMESTAMP":
      return { type: "CLOSED_SINCE", at: Math.max(filter.timestamp!, horizon) };
    default:
      return { type: "ALL", at: horizon };
  }
}

/** ShardFilter's members that go with its type. */
function checkFilter(filter: ShardFilter | undefined): void {
  if (filter === undefined) return;
  const { type } = filter;
  if (type === "AFTER_SHARD_ID" && filter.shardId === undefined) {
    throw invalidArgument("Must specify ShardId in ShardFilter when the ShardFilter type is AFTER_SHARD_ID.");
  }
  if (type !== "AFTER_SHARD_ID" && filter.shardId !== undefined) {
    throw invalidArgument(`ShardId in ShardFilter can only be used with the ShardFilter type AFTER_SHARD_ID, not ${type}.`);
  }
  const timed = type === "AT_TIMESTAMP" || type === "FROM_TIMESTAMP";
  if (timed && filter.timestamp === undefined) {
    throw invalidArgument(`Must specify Timestamp in ShardFilter when the ShardFilter type is ${type}.`);
  }
  if (!timed && filter.timestamp !== undefined) {
    throw invalidArgument(`Timestamp in ShardFilter can only be used with the ShardFilter types AT_TIMESTAMP and FROM_TIMESTAMP, not ${type}.`);
  }
}

/** A NextToken names the stream and the listing: AWS rejects the members that would name them again. */
function rejectWithNextToken(request: ListShardsRequest): void {
  const conflicting: Array<[string, unknown]> = [
    ["StreamName", request.streamName],
    ["StreamARN", request.streamArn],
    ["ExclusiveStartShardId", request.exclusiveStartShardId],
    ["StreamCreationTimestamp", request.streamCreationTimestamp],
    ["ShardFilter", request.filter],
  ];
  for (const [member, value] of conflicting) {
    if (value !== undefined) throw invalidArgument(`NextToken and ${member} cannot be provided together.`);
  }
}

/** StreamCreationTimestamp tells apart streams that had the same name; it matches to the second or better. */
function sameCreation(stream: StreamRecord, timestamp: number | undefined): boolean {
  if (timestamp === undefined || timestamp === stream.createdAt) return true;
  return Math.floor(timestamp / 1000) === Math.floor(stream.createdAt / 1000) && timestamp % 1000 === 0;
}

function latest(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return a > b ? a : b;
}
