import { kinesisAction } from "../define.js";
import { wireCommitment } from "./describe-account-settings.js";

export const updateAccountSettings = kinesisAction({
  name: "UpdateAccountSettings",
  input: {
    type: "structure",
    members: {
      MinimumThroughputBillingCommitment: {
        type: "structure",
        required: true,
        members: { Status: { type: "string", required: true, enum: ["ENABLED", "DISABLED"] } },
      },
    },
  },
  async handle(input, { account }, { region }) {
    const commitment = await account.updateCommitment(region, input.MinimumThroughputBillingCommitment.Status);
    return { MinimumThroughputBillingCommitment: wireCommitment(commitment) };
  },
});
