import { firehoseAction } from "../define.js";
import { deliveryStreamName } from "../members.js";

export const deleteDeliveryStream = firehoseAction({
  name: "DeleteDeliveryStream",
  input: {
    type: "structure",
    members: { DeliveryStreamName: { ...deliveryStreamName, required: true }, AllowForceDelete: { type: "boolean" } },
  },
  async handle(input, { delivery }, { region }) {
    await delivery.delete({ region, name: input.DeliveryStreamName });
    return {};
  },
});
