/** DeliveryStreamEncryptionConfigurationInput (CreateDeliveryStream, StartDeliveryStreamEncryption) and its description. */
import { invalidArgument } from "../../delivery/errors.js";
import type { DeliveryStreamRecord, EncryptionSettings } from "../../delivery/model.js";
import type { ValueOf } from "../aws/action.js";
import type { Shape } from "../aws/shapes.js";

export const encryptionConfigurationInput = {
  type: "structure",
  members: {
    KeyARN: { type: "string", min: 1, max: 512, pattern: "arn:.*:kms:[a-zA-Z0-9\\-]+:\\d{12}:(key|alias)/[a-zA-Z_0-9+=,.@\\-_/]+" },
    KeyType: { type: "string", required: true, enum: ["AWS_OWNED_CMK", "CUSTOMER_MANAGED_CMK"] },
  },
} as const satisfies Shape;

export function encryptionFrom(input: ValueOf<typeof encryptionConfigurationInput>): EncryptionSettings {
  if (input.KeyType === "CUSTOMER_MANAGED_CMK") {
    if (input.KeyARN === undefined) throw invalidArgument("KeyARN is required when KeyType is CUSTOMER_MANAGED_CMK.");
    return { keyType: input.KeyType, keyArn: input.KeyARN };
  }
  if (input.KeyARN !== undefined) throw invalidArgument("KeyARN must not be specified when KeyType is AWS_OWNED_CMK.");
  return { keyType: "AWS_OWNED_CMK", keyArn: null };
}

/** DeliveryStreamEncryptionConfiguration as DescribeDeliveryStream shows it. */
export function encryptionDescriptionOf(stream: DeliveryStreamRecord): Record<string, string> {
  const encryption = stream.encryption;
  if (encryption === undefined) return { Status: "DISABLED" };
  return { ...(encryption.keyArn === null ? {} : { KeyARN: encryption.keyArn }), KeyType: encryption.keyType, Status: "ENABLED" };
}
