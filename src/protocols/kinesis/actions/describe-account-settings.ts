import type { ThroughputCommitment } from "../../../streams/account-settings.js";
import { kinesisAction } from "../define.js";

export const describeAccountSettings = kinesisAction({
  name: "DescribeAccountSettings",
  input: { type: "structure", members: {} },
  async handle(_input, { account }, { region }) {
    return { MinimumThroughputBillingCommitment: wireCommitment(account.commitment(region)) };
  },
});

/** A MinimumThroughputBillingCommitmentOutput. */
export function wireCommitment(commitment: ThroughputCommitment) {
  const time = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms));
  return {
    Status: commitment.status,
    StartedAt: time(commitment.startedAt),
    EndedAt: time(commitment.endedAt),
    EarliestAllowedEndAt: time(commitment.earliestAllowedEndAt),
  };
}
