/**
 * Account-level Kinesis settings (DescribeAccountSettings, UpdateAccountSettings) and DescribeLimits. Freshet has one
 * account; its settings are kept per region, as AWS keeps them, in the metadata store (namespace `kinesis.account`,
 * key `<region>`), so they survive a restart.
 *
 * MinimumThroughputBillingCommitment: enabling starts a commitment that cannot end before
 * `kinesisSettingsLimits.minimumThroughputCommitmentMs` has passed. Disabling before then leaves it
 * ENABLED_UNTIL_EARLIEST_ALLOWED_END until that time, DISABLED after; re-enabling in that window resumes it. Nothing
 * is billed: the setting only gates UpdateStreamWarmThroughput, as in AWS.
 */
import { kinesisLimits, kinesisSettingsLimits } from "../config/limits.js";
import type { JsonValue, MetadataStore } from "../storage/metadata-store.js";
import type { Clock } from "../util/clock.js";
import type { StreamsService } from "./streams-service.js";

const namespace = "kinesis.account";

export type CommitmentStatus = "ENABLED" | "DISABLED" | "ENABLED_UNTIL_EARLIEST_ALLOWED_END";

/** The commitment as AWS reports it; times in epoch ms. */
export interface ThroughputCommitment {
  readonly status: CommitmentStatus;
  readonly startedAt?: number;
  readonly endedAt?: number;
  readonly earliestAllowedEndAt?: number;
}

interface StoredSettings {
  readonly commitment: ThroughputCommitment;
}

export interface AccountLimits {
  readonly shardLimit: number;
  readonly openShardCount: number;
  readonly onDemandStreamCount: number;
  readonly onDemandStreamCountLimit: number;
}

export class AccountSettingsService {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly metadata: MetadataStore,
    private readonly clock: Clock,
  ) {}

  commitment(region: string): ThroughputCommitment {
    const stored = this.metadata.get(namespace, region) as unknown as StoredSettings | undefined;
    return current(stored?.commitment ?? { status: "DISABLED" }, this.clock.now());
  }

  /** Whether the commitment is in force now (ENABLED, or ending later). */
  commitmentActive(region: string): boolean {
    return this.commitment(region).status !== "DISABLED";
  }

  /** UpdateAccountSettings: one change at a time, durable when it resolves. */
  updateCommitment(region: string, wanted: "ENABLED" | "DISABLED"): Promise<ThroughputCommitment> {
    const change = this.queue.then(async () => {
      const now = this.clock.now();
      const before = this.commitment(region);
      const after = next(before, wanted, now);
      if (after !== before) {
        const value: StoredSettings = { commitment: after };
        await this.metadata.commit([{ op: "put", namespace, key: region, value: value as unknown as JsonValue }]);
      }
      return after;
    });
    this.queue = change.catch(() => undefined);
    return change;
  }
}

/** DescribeLimits for a region. */
export function describeLimits(streams: StreamsService, region: string): AccountLimits {
  return {
    shardLimit: kinesisLimits.shardLimit,
    openShardCount: streams.openShardCount(region),
    onDemandStreamCount: streams.listStreams(region).filter((stream) => stream.record.mode === "ON_DEMAND").length,
    onDemandStreamCountLimit: kinesisLimits.onDemandStreamCountLimit,
  };
}

/** A commitment that was ending is DISABLED once its end has passed. */
function current(commitment: ThroughputCommitment, now: number): ThroughputCommitment {
  if (commitment.status === "ENABLED_UNTIL_EARLIEST_ALLOWED_END" && commitment.endedAt !== undefined && now >= commitment.endedAt) {
    return { ...commitment, status: "DISABLED" };
  }
  return commitment;
}

function next(before: ThroughputCommitment, wanted: "ENABLED" | "DISABLED", now: number): ThroughputCommitment {
  if (wanted === "ENABLED") {
    if (before.status === "ENABLED") return before;
    if (before.status === "ENABLED_UNTIL_EARLIEST_ALLOWED_END") {
      return { status: "ENABLED", startedAt: before.startedAt!, earliestAllowedEndAt: before.earliestAllowedEndAt! };
    }
    return { status: "ENABLED", startedAt: now, earliestAllowedEndAt: now + kinesisSettingsLimits.minimumThroughputCommitmentMs };
  }
  if (before.status !== "ENABLED") return before;
  const earliest = before.earliestAllowedEndAt ?? now;
  if (now < earliest) return { ...before, status: "ENABLED_UNTIL_EARLIEST_ALLOWED_END", endedAt: earliest };
  return { ...before, status: "DISABLED", endedAt: now };
}
