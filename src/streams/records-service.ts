/**
 * The Kinesis data plane: putting records onto shards, and reading them back through shard iterators.
 */
import { kinesisLimits } from "../config/limits.js";
import type { AppendRecord, AppendResult, StoredRecord } from "../storage/log-store.js";
import { expiredIterator, invalidArgument, resourceNotFound, throughputExceeded, validation } from "./errors.js";
import { type HashKeyHex, hashKeyHex, hashKeyOf, maxHashKey } from "./hash-keys.js";
import { isOpen, type ShardRecord, type StreamRecord } from "./model.js";
import { parseSequenceNumber, shardSequenceNumbers } from "./sequence-numbers.js";
import { decodeShardIterator, encodeShardIterator } from "./shard-iterators.js";
import type { LiveStream, StreamRef } from "./stream-catalog.js";
import type { StreamsService } from "./streams-service.js";

export interface PutEntry {
  readonly data: Buffer;
  readonly partitionKey: string;
  readonly explicitHashKey?: string;
}

export type PutResult =
  | { readonly ok: true; readonly shardId: string; readonly sequenceNumber: string }
  | { readonly ok: false; readonly errorCode: "ProvisionedThroughputExceededException" | "InternalFailure"; readonly errorMessage: string };

export type IteratorType = "AT_SEQUENCE_NUMBER" | "AFTER_SEQUENCE_NUMBER" | "TRIM_HORIZON" | "LATEST" | "AT_TIMESTAMP";

export interface IteratorRequest {
  readonly shardId: string;
  readonly type: IteratorType;
  readonly startingSequenceNumber?: string;
  /** Epoch milliseconds. */
  readonly timestamp?: number;
}

export interface ReadRecord {
  readonly sequenceNumber: string;
  readonly arrivalTimestamp: number;
  readonly data: Buffer;
  readonly partitionKey: string;
  /** The stream's encryption type when read (Freshet does not keep it per record). */
  readonly encryptionType: "NONE" | "KMS";
}

export interface ChildShard {
  readonly shardId: string;
  readonly parentShards: string[];
  readonly startingHashKey: string;
  readonly endingHashKey: string;
}

export interface GetRecordsResult {
  readonly records: ReadRecord[];
  readonly nextShardIterator: string | null;
  readonly millisBehindLatest: number;
  readonly childShards?: ChildShard[];
}

/** One shard's part of a put: which entries it took, their bytes, and the log's answer. */
interface ShardAppend {
  readonly shard: ShardRecord;
  readonly accepted: readonly number[];
  readonly bytes: number;
  readonly appended: Promise<AppendResult>;
}

interface RoutedPut {
  readonly results: PutResult[];
  readonly overLimit: boolean;
}

/** Each entry's hash key; throws ValidationException for a record over the stream's MaxRecordSizeInKiB. */
function hashKeysOf(entries: readonly PutEntry[], maxRecordBytes: number, fieldPath: (index: number) => string): HashKeyHex[] {
  const hashKeys = new Array<HashKeyHex>(entries.length);
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    const keyBytes = Buffer.byteLength(entry.partitionKey, "utf8");
    if (entry.data.length + keyBytes > maxRecordBytes) {
      throw validation(
        `1 validation error detected: Value 'java.nio.HeapByteBuffer[pos=0 lim=${entry.data.length} cap=${entry.data.length}]' at '${fieldPath(i)}' failed to satisfy constraint: Member must have length less than or equal to ${maxRecordBytes - keyBytes}`,
      );
    }
    hashKeys[i] = entry.explicitHashKey === undefined ? hashKeyOf(entry.partitionKey) : explicitHashKey(entry.explicitHashKey);
  }
  return hashKeys;
}

export class RecordsService {
  constructor(private readonly streams: StreamsService) {}

  /**
   * Puts records, each onto the open shard owning its hash key, in request order within a shard. Entries over a
   * shard's throughput fail alone (PutRecords reports them per record); the others are durable when this resolves.
   *
   * Nothing here keeps `entries` while the appends are in flight: the log takes each shard's records before anything
   * is awaited, so a request's per-record objects die young. Garbage collection copies whatever lives through a
   * wait, and a PutRecords of 500 records waits milliseconds for the disk.
   */
  putRecords(ref: StreamRef, entries: readonly PutEntry[], fieldPath: (index: number) => string): Promise<PutResult[]> {
    let stream: LiveStream;
    let hashKeys: HashKeyHex[];
    try {
      stream = this.streams.activeStream(ref);
      hashKeys = hashKeysOf(entries, stream.record.maxRecordSizeKiB * 1024, fieldPath);
    } catch (error) {
      return Promise.reject(error as Error);
    }
    // Appends share the gate; a reshard takes it exclusively, so routing and appending see one shard map. What
    // follows is another method's, so that no closure made here outlives the gate's call of this one.
    return this.afterPut(ref, stream.gate.shared(() => this.appendRouted(ref, entries, hashKeys)));
  }

  private async afterPut(ref: StreamRef, routed: Promise<RoutedPut>): Promise<PutResult[]> {
    const { results, overLimit } = await routed;
    // An ON_DEMAND shard over its write limit is split now, outside the gate (a split takes it exclusively). The
    // records are durable already, so a failed split must not fail the put: a later write tries again.
    if (overLimit) await this.streams.resharding.scaleOnDemand(ref).catch(() => undefined);
    return results;
  }

  private appendRouted(ref: StreamRef, entries: readonly PutEntry[], hashKeys: readonly HashKeyHex[]): Promise<RoutedPut> {
    const stream = this.streams.activeStream(ref);
    const results = new Array<PutResult>(entries.length);
    const appends = this.startAppends(stream, entries, hashKeys, results);
    return Promise.all(appends.map(({ appended }) => appended)).then((appended) => {
      let overLimit = false;
      const createdSeconds = Math.floor(stream.record.createdAt / 1000);
      appends.forEach(({ shard, accepted, bytes }, i) => {
        const sequenceNumber = shardSequenceNumbers(createdSeconds, shard.partition);
        const { baseOffset } = appended[i]!;
        for (let n = 0; n < accepted.length; n++) {
          results[accepted[n]!] = { ok: true, shardId: shard.shardId, sequenceNumber: sequenceNumber(baseOffset + n) };
        }
        if (this.streams.resharding.recordWrites(stream.record, shard, accepted.length, bytes)) overLimit = true;
      });
      return { results, overLimit };
    });
  }

  /** Routes each entry to its shard and hands every shard's accepted records to the log, before anything waits. */
  private startAppends(stream: LiveStream, entries: readonly PutEntry[], hashKeys: readonly HashKeyHex[], results: PutResult[]): ShardAppend[] {
    const byShard = new Map<ShardRecord, number[]>();
    for (let i = 0; i < hashKeys.length; i++) {
      const shard = stream.route(hashKeys[i]!);
      const indexes = byShard.get(shard);
      if (indexes === undefined) byShard.set(shard, [i]);
      else indexes.push(i);
    }
    // ON_DEMAND streams are not throttled per shard: they split hot shards instead (Resharding.scaleOnDemand).
    const throttled = this.streams.options.throughputLimits && stream.record.mode !== "ON_DEMAND";
    const appends: ShardAppend[] = [];
    for (const [shard, indexes] of byShard) {
      const accepted = throttled ? this.admitWrites(stream, shard, entries, indexes, results) : indexes;
      if (accepted.length === 0) continue;
      const records = new Array<AppendRecord>(accepted.length);
      let bytes = 0;
      for (let n = 0; n < accepted.length; n++) {
        const entry = entries[accepted[n]!]!;
        records[n] = { key: entry.partitionKey, value: entry.data };
        bytes += Buffer.byteLength(entry.partitionKey, "utf8") + entry.data.length;
      }
      appends.push({ shard, accepted, bytes, appended: this.streams.log.append(stream.record.logName, shard.partition, records) });
    }
    return appends;
  }

  /** Takes each record's bytes and count from the shard's buckets, in order; the ones that do not fit fail. */
  private admitWrites(stream: LiveStream, shard: ShardRecord, entries: readonly PutEntry[], indexes: number[], results: PutResult[]): number[] {
    const buckets = stream.shardThroughput(shard.partition);
    const accepted: number[] = [];
    for (const i of indexes) {
      const entry = entries[i]!;
      const bytes = entry.data.length + Buffer.byteLength(entry.partitionKey, "utf8");
      // A record larger than one second's allowance (MaxRecordSizeInKiB above 1024) goes through when the bucket is
      // full and leaves it in debt, so it costs the shard the seconds it takes, instead of never fitting.
      if (buckets.writeRecords.available() >= 1 && buckets.writeBytes.available() >= Math.min(bytes, kinesisLimits.shardWriteBytesPerSecond)) {
        buckets.writeRecords.tryTake(1);
        buckets.writeBytes.charge(bytes);
        accepted.push(i);
      } else {
        results[i] = {
          ok: false,
          errorCode: "ProvisionedThroughputExceededException",
          errorMessage: `Rate exceeded for shard ${shard.shardId} in stream ${stream.record.name} under account ${kinesisLimits.accountId}.`,
        };
      }
    }
    return accepted;
  }

  async getShardIterator(ref: StreamRef, request: IteratorRequest): Promise<string> {
    const stream = this.streams.activeStream(ref).record;
    const shard = this.streams.shardOf(stream, request.shardId);
    const offset = await this.startingOffset(stream, shard, request);
    return encodeShardIterator({
      streamName: stream.name,
      streamCreatedAt: stream.createdAt,
      partition: shard.partition,
      offset,
      issuedAt: this.streams.now(),
    });
  }

  /** Where a reader starting at `request` begins: GetShardIterator's rules, which SubscribeToShard shares. */
  async startingOffset(stream: StreamRecord, shard: ShardRecord, request: IteratorRequest): Promise<number> {
    const { type, startingSequenceNumber } = request;
    const needsSequenceNumber = type === "AT_SEQUENCE_NUMBER" || type === "AFTER_SEQUENCE_NUMBER";
    if (needsSequenceNumber !== (startingSequenceNumber !== undefined) && type !== "AT_TIMESTAMP") {
      throw invalidArgument(
        `Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or (2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. Request specified ${type} and ${startingSequenceNumber === undefined ? "no" : "also a"} StartingSequenceNumber.`,
      );
    }
    const partitionStats = this.streams.log.stats(stream.logName, shard.partition);
    switch (type) {
      case "TRIM_HORIZON":
        return partitionStats.startOffset;
      case "LATEST":
        return partitionStats.endOffset;
      case "AT_TIMESTAMP": {
        if (request.timestamp === undefined) {
          throw invalidArgument("Must specify timestampInMillis parameter for iterator of type AT_TIMESTAMP. Current request has no timestamp parameter.");
        }
        const now = this.streams.now();
        if (request.timestamp > now) {
          throw invalidArgument(
            `The timestampInMillis parameter cannot be greater than the currentTimestampInMillis. timestampInMillis: ${request.timestamp}, currentTimestampInMillis: ${now}`,
          );
        }
        return this.streams.log.offsetForTimestamp(stream.logName, shard.partition, request.timestamp);
      }
      default: {
        const position = parseSequenceNumber(startingSequenceNumber!);
        if (position === null) {
          throw invalidArgument(
            `StartingSequenceNumber ${startingSequenceNumber} used in GetShardIterator on shard ${shard.shardId} in stream ${stream.name} under account ${kinesisLimits.accountId} is invalid.`,
          );
        }
        if (position.partition !== shard.partition) {
          throw invalidArgument(
            `Invalid StartingSequenceNumber. It encodes ${`shardId-${String(position.partition).padStart(12, "0")}`}, while it was used in a call to a shard with ${shard.shardId}`,
          );
        }
        if (position.streamCreatedSeconds !== Math.floor(stream.createdAt / 1000)) {
          throw invalidArgument(
            `StartingSequenceNumber ${startingSequenceNumber} used in GetShardIterator on shard ${shard.shardId} in stream ${stream.name} under account ${kinesisLimits.accountId} is invalid because it did not come from this stream.`,
          );
        }
        const offset = type === "AT_SEQUENCE_NUMBER" ? position.offset : position.offset + 1;
        return Math.min(Math.max(offset, partitionStats.startOffset), Math.max(partitionStats.endOffset, offset));
      }
    }
  }

  async getRecords(region: string, iteratorText: string, limit: number, streamArnGiven?: string): Promise<GetRecordsResult> {
    const iterator = decodeShardIterator(iteratorText);
    if (iterator === null) throw invalidArgument("Invalid ShardIterator.");
    const now = this.streams.now();
    if (now - iterator.issuedAt > kinesisLimits.shardIteratorTtlMs) {
      throw expiredIterator(
        `Iterator expired. The iterator was created at time ${javaDate(iterator.issuedAt)} while right now it is ${javaDate(now)} which is further in the future than the tolerated delay of ${kinesisLimits.shardIteratorTtlMs} milliseconds.`,
      );
    }
    const live = this.streams.catalog.find({ region, name: iterator.streamName });
    if (live === undefined || live.record.createdAt !== iterator.streamCreatedAt) {
      throw resourceNotFound(`Stream ${iterator.streamName} under account ${kinesisLimits.accountId} not found.`);
    }
    if (streamArnGiven !== undefined && streamArnGiven !== live.record.arn) {
      throw invalidArgument(`ShardIterator does not belong to stream ${streamArnGiven}.`);
    }
    const stream = live.record;
    const shard = stream.shards.find((candidate) => candidate.partition === iterator.partition);
    if (shard === undefined) throw invalidArgument("Invalid ShardIterator.");
    if (this.streams.options.throughputLimits && !live.shardThroughput(shard.partition).readCalls.tryTake(1)) {
      throw throughputExceeded(`Rate exceeded for shard ${shard.shardId} in stream ${stream.name} under account ${kinesisLimits.accountId}.`);
    }
    if (this.streams.options.throughputLimits && live.shardThroughput(shard.partition).readBytes.available() <= 0) {
      // A large read leaves the shard's byte allowance in debt: AWS throttles the calls that follow it.
      throw throughputExceeded(`Rate exceeded for shard ${shard.shardId} in stream ${stream.name} under account ${kinesisLimits.accountId}.`);
    }
    // A closed shard ends at its endOffset (resharding.ts): whatever a partition might hold past it (an append that
    // failed unacknowledged and was recovered after a restart) is not part of the shard.
    const shardEnd = isOpen(shard) ? Number.POSITIVE_INFINITY : (shard.endOffset ?? Number.POSITIVE_INFINITY);
    const read = await this.streams.log.read(stream.logName, shard.partition, iterator.offset, {
      maxRecords: Math.max(
        0,
        Math.min(limit, kinesisLimits.getRecordsMaxRecords, shardEnd - Math.max(iterator.offset, this.streams.log.stats(stream.logName, shard.partition).startOffset)),
      ),
      maxBytes: kinesisLimits.getRecordsMaxBytes,
    });
    const records = toReadRecords(stream, shard, read.records);
    if (this.streams.options.throughputLimits) {
      live.shardThroughput(shard.partition).readBytes.charge(read.records.reduce((sum, r) => sum + r.value.length, 0));
    }
    const last = read.records.at(-1);
    const caughtUp = read.nextOffset >= read.endOffset;
    const millisBehindLatest = caughtUp || last === undefined ? 0 : Math.max(0, now - last.timestamp);
    if (!isOpen(shard) && read.nextOffset >= (shard.endOffset ?? read.endOffset)) {
      return { records, nextShardIterator: null, millisBehindLatest, childShards: childShardsOf(stream, shard) };
    }
    return {
      records,
      nextShardIterator: encodeShardIterator({ ...iterator, offset: read.nextOffset, issuedAt: now }),
      millisBehindLatest,
    };
  }
}

function explicitHashKey(text: string): HashKeyHex {
  const value = BigInt(text);
  if (value < 0n || value > maxHashKey) {
    throw invalidArgument(`Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified value was ${text}`);
  }
  return hashKeyHex(value);
}

/** A shard's stored records as the API returns them. */
export function toReadRecords(stream: StreamRecord, shard: ShardRecord, records: readonly StoredRecord[]): ReadRecord[] {
  const sequenceNumber = shardSequenceNumbers(Math.floor(stream.createdAt / 1000), shard.partition);
  const encryptionType = stream.encryption.type;
  return records.map((record) => ({
    sequenceNumber: sequenceNumber(record.offset),
    arrivalTimestamp: record.timestamp,
    data: record.value,
    partitionKey: record.key?.toString("utf8") ?? "",
    encryptionType,
  }));
}

export function childShardsOf(stream: StreamRecord, parent: ShardRecord): ChildShard[] {
  return stream.shards
    .filter((shard) => shard.parentShardId === parent.shardId || shard.adjacentParentShardId === parent.shardId)
    .map((shard) => ({
      shardId: shard.shardId,
      parentShards: [shard.parentShardId, shard.adjacentParentShardId].filter((id): id is string => id !== undefined),
      startingHashKey: shard.startingHashKey,
      endingHashKey: shard.endingHashKey,
    }));
}

/** Java's Date.toString(), which AWS's iterator-expiry message uses: `Fri Nov 22 02:00:00 UTC 2026`. */
function javaDate(ms: number): string {
  const date = new Date(ms);
  const days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const time = date.toISOString().slice(11, 19);
  return `${days[date.getUTCDay()]} ${months[date.getUTCMonth()]} ${String(date.getUTCDate()).padStart(2, "0")} ${time} UTC ${date.getUTCFullYear()}`;
}
