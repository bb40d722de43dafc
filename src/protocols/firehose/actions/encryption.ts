import { firehoseAction } from "../define.js";
import { encryptionConfigurationInput, encryptionFrom } from "../encryption.js";
import { deliveryStreamName } from "../members.js";

export const startDeliveryStreamEncryption = firehoseAction({
  name: "StartDeliveryStreamEncryption",
  input: {
    type: "structure",
    members: {
      DeliveryStreamName: { ...deliveryStreamName, required: true },
      DeliveryStreamEncryptionConfigurationInput: encryptionConfigurationInput,
    },
  },
  async handle(input, { delivery }, { region }) {
    const encryption = encryptionFrom(input.DeliveryStreamEncryptionConfigurationInput ?? { KeyType: "AWS_OWNED_CMK" });
    await delivery.setEncryption({ region, name: input.DeliveryStreamName }, encryption);
    return {};
  },
});

export const stopDeliveryStreamEncryption = firehoseAction({
  name: "StopDeliveryStreamEncryption",
  input: { type: "structure", members: { DeliveryStreamName: { ...deliveryStreamName, required: true } } },
  async handle(input, { delivery }, { region }) {
    await delivery.setEncryption({ region, name: input.DeliveryStreamName }, null);
    return {};
  },
});
