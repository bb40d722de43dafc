/**
 * The small per-stream settings: server-side encryption, enhanced (shard-level) monitoring, the maximum record size,
 * warm throughput, and resource policies on streams and consumers. Each is a read-modify-write of the stream's
 * record, so it persists with the stream.
 *
 * What Freshet does not do with them, deliberately: records are not encrypted (the KMS key id is accepted, recorded
 * and reported, and EncryptionType follows it in PutRecord(s) and GetRecords); shard-level metrics are recorded, not
 * published (there is no CloudWatch); resource policies are stored and returned, not enforced; warm throughput is
 * reported, not provisioned (ON_DEMAND streams scale on their own).
 */
import { kinesisLimits, kinesisSettingsLimits } from "../config/limits.js";
import type { AccountSettingsService } from "./account-settings.js";
import { invalidArgument } from "./errors.js";
import type { StreamRecord } from "./model.js";
import { amendResource, readResource, type ResourceTarget } from "./resources.js";
import type { StreamRef } from "./stream-catalog.js";
import type { StreamsService } from "./streams-service.js";

export type EncryptionType = "NONE" | "KMS";

/** Every shard-level metric, in the order the Kinesis API lists them; "ALL" stands for all of them. */
export const shardLevelMetricNames = [
  "IncomingBytes",
  "IncomingRecords",
  "OutgoingBytes",
  "OutgoingRecords",
  "WriteProvisionedThroughputExceeded",
  "ReadProvisionedThroughputExceeded",
  "IteratorAgeMilliseconds",
] as const;

export interface MonitoringChange {
  readonly stream: StreamRecord;
  /** The metrics enabled before the change, and after it. */
  readonly current: readonly string[];
  readonly desired: readonly string[];
}

/** StartStreamEncryption: records the key; the stream shows UPDATING for the usual update delay. */
export async function startEncryption(streams: StreamsService, ref: StreamRef, type: EncryptionType, keyId: string): Promise<void> {
  requireKms(type, "StartStreamEncryption");
  await streams.update(ref, (record) => ({ ...record, encryption: { type: "KMS", keyId }, updatingUntil: streams.updatingUntil() }));
}

/** StopStreamEncryption: back to NONE, whichever key was in use. */
export async function stopEncryption(streams: StreamsService, ref: StreamRef, type: EncryptionType): Promise<void> {
  requireKms(type, "StopStreamEncryption");
  await streams.update(ref, (record) => ({ ...record, encryption: { type: "NONE" }, updatingUntil: streams.updatingUntil() }));
}

function requireKms(type: EncryptionType, action: string): void {
  if (type !== "KMS") throw invalidArgument(`EncryptionType ${type} is not supported by ${action}. The only valid value is KMS.`);
}

/** EnableEnhancedMonitoring / DisableEnhancedMonitoring ("ALL" expanded). */
export async function changeMonitoring(streams: StreamsService, ref: StreamRef, metrics: readonly string[], enable: boolean): Promise<MonitoringChange> {
  const named = new Set(metrics.includes("ALL") ? shardLevelMetricNames : metrics);
  let current: readonly string[] = [];
  let desired: readonly string[] = [];
  const stream = await streams.update(ref, (record) => {
    current = record.shardLevelMetrics;
    desired = shardLevelMetricNames.filter((metric) => (enable ? current.includes(metric) || named.has(metric) : current.includes(metric) && !named.has(metric)));
    return { ...record, shardLevelMetrics: desired };
  });
  return { stream, current, desired };
}

/** UpdateMaxRecordSize: puts take records up to the new size at once. */
export async function updateMaxRecordSize(streams: StreamsService, ref: StreamRef, kib: number): Promise<void> {
  const [min, max] = kinesisLimits.maxRecordSizeKiBRange;
  if (kib < min || kib > max) throw invalidArgument(`MaxRecordSizeInKiB must be between ${min} and ${max}.`);
  await streams.update(ref, (record) => ({ ...record, maxRecordSizeKiB: kib, updatingUntil: streams.updatingUntil() }));
}

/** UpdateStreamWarmThroughput: ON_DEMAND streams only, with the account's throughput commitment in force. */
export async function updateWarmThroughput(
  streams: StreamsService,
  account: AccountSettingsService,
  ref: StreamRef,
  mibps: number,
): Promise<StreamRecord> {
  if (mibps > kinesisSettingsLimits.warmThroughputMaxMiBps) {
    throw invalidArgument(`WarmThroughputMiBps ${mibps} exceeds the maximum of ${kinesisSettingsLimits.warmThroughputMaxMiBps} MiBps.`);
  }
  return streams.update(ref, (record) => {
    if (record.mode !== "ON_DEMAND") {
      throw invalidArgument(`Warm throughput can only be configured for streams in ON_DEMAND mode. Stream ${record.name} is in PROVISIONED mode.`);
    }
    if (!account.commitmentActive(ref.region)) {
      throw invalidArgument(
        `Warm throughput requires MinimumThroughputBillingCommitment to be enabled for account ${kinesisLimits.accountId}. Enable it with UpdateAccountSettings.`,
      );
    }
    return { ...record, warmThroughputMiBps: mibps, updatingUntil: streams.updatingUntil() };
  });
}

/** PutResourcePolicy: a JSON object, stored as given. */
export async function putResourcePolicy(streams: StreamsService, target: ResourceTarget, policy: string): Promise<void> {
  if (Buffer.byteLength(policy, "utf8") > kinesisSettingsLimits.resourcePolicyMaxBytes) {
    throw invalidArgument(`Policy exceeds the maximum size of ${kinesisSettingsLimits.resourcePolicyMaxBytes} bytes.`);
  }
  let document: unknown;
  try {
    document = JSON.parse(policy);
  } catch {
    document = undefined;
  }
  if (typeof document !== "object" || document === null || Array.isArray(document)) {
    throw invalidArgument("Policy is not a valid JSON policy document.");
  }
  await amendResource(streams, target, (current) => ({ ...current, resourcePolicy: policy }));
}

/** GetResourcePolicy: the stored document, or `{}` when there is none. */
export function getResourcePolicy(streams: StreamsService, target: ResourceTarget): string {
  return readResource(streams, target).resourcePolicy ?? "{}";
}

/** DeleteResourcePolicy: succeeds whether or not there was one. */
export async function deleteResourcePolicy(streams: StreamsService, target: ResourceTarget): Promise<void> {
  await amendResource(streams, target, (current) => ({ tags: current.tags }));
}
