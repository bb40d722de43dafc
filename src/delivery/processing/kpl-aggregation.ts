/**
 * KPL de-aggregation: for a stream reading a Kinesis data stream, Firehose takes the user records out of records the
 * Kinesis Producer Library aggregated, before any processor runs (and whether or not processing is enabled).
 *
 * An aggregated record is the magic bytes F3 89 9A C2, a protobuf AggregatedRecord, and the MD5 of that protobuf.
 * Each user record keeps its Kinesis record's metadata, with its own partition key and its index as the
 * subsequence number. A record without the magic, or whose checksum or protobuf is wrong, passes through whole, as
 * the KCL treats it.
 */
import { createHash } from "node:crypto";
import type { Type } from "protobufjs";
import type { DeliveryRecord, ProcessingOutcome } from "../pipeline.js";

const magic = Buffer.from([0xf3, 0x89, 0x9a, 0xc2]);
const digestBytes = 16;

/** The KPL's protobuf messages, declared on first use: protobufjs loads only for streams that read Kinesis. */
let aggregatedRecordType: Promise<Type> | null = null;

function aggregatedRecordMessage(): Promise<Type> {
  aggregatedRecordType ??= import("protobufjs").then(({ default: protobuf }) => {
    const tag = new protobuf.Type("Tag").add(new protobuf.Field("key", 1, "string", "required")).add(new protobuf.Field("value", 2, "string"));
    const userRecord = new protobuf.Type("Record")
      .add(new protobuf.Field("partition_key_index", 1, "uint64", "required"))
      .add(new protobuf.Field("explicit_hash_key_index", 2, "uint64"))
      .add(new protobuf.Field("data", 3, "bytes", "required"))
      .add(new protobuf.Field("tags", 4, "Tag", "repeated"));
    const aggregatedRecord = new protobuf.Type("AggregatedRecord")
      .add(new protobuf.Field("partition_key_table", 1, "string", "repeated"))
      .add(new protobuf.Field("explicit_hash_key_table", 2, "string", "repeated"))
      .add(new protobuf.Field("records", 3, "Record", "repeated"));
    new protobuf.Root().add(tag).add(userRecord).add(aggregatedRecord).resolveAll();
    return aggregatedRecord;
  });
  return aggregatedRecordType;
}

interface AggregatedRecord {
  partition_key_table: string[];
  records: Array<{ partition_key_index: number | { toNumber(): number }; data: Uint8Array }>;
}

export async function deaggregateKplRecords(records: readonly DeliveryRecord[]): Promise<ProcessingOutcome> {
  if (!records.some((record) => isAggregate(record.data))) return { delivered: [...records], failed: [] };
  const message = await aggregatedRecordMessage();
  return { delivered: records.flatMap((record) => deaggregate(record, message)), failed: [] };
}

function isAggregate(data: Buffer): boolean {
  return data.length >= magic.length + digestBytes && data.subarray(0, magic.length).equals(magic);
}

function deaggregate(record: DeliveryRecord, message: Type): DeliveryRecord[] {
  const aggregate = decode(record.data, message);
  if (aggregate === null || record.kinesis === undefined) return [record];
  const kinesis = record.kinesis;
  const userRecords: DeliveryRecord[] = [];
  for (const [index, userRecord] of aggregate.records.entries()) {
    const keyIndex = Number(userRecord.partition_key_index);
    const partitionKey = aggregate.partition_key_table[keyIndex];
    if (partitionKey === undefined) return [record];
    userRecords.push({
      ...record,
      data: Buffer.from(userRecord.data),
      kinesis: { ...kinesis, partitionKey, subsequenceNumber: index },
    });
  }
  return userRecords;
}

function decode(data: Buffer, type: Type): AggregatedRecord | null {
  if (!isAggregate(data)) return null;
  const message = data.subarray(magic.length, data.length - digestBytes);
  const digest = data.subarray(data.length - digestBytes);
  if (!createHash("md5").update(message).digest().equals(digest)) return null;
  try {
    return type.toObject(type.decode(message), { arrays: true }) as AggregatedRecord;
  } catch {
    return null;
  }
}
