import { firehoseLimits } from "../../../config/limits.js";
import { firehoseAction } from "../define.js";
import { deliveryStreamName, deliveryStreamType } from "../members.js";

export const listDeliveryStreams = firehoseAction({
  name: "ListDeliveryStreams",
  input: {
    type: "structure",
    members: {
      Limit: { type: "integer", min: 1, max: 10000 },
      DeliveryStreamType: deliveryStreamType,
      ExclusiveStartDeliveryStreamName: deliveryStreamName,
    },
  },
  async handle(input, { delivery }, { region }) {
    const after = input.ExclusiveStartDeliveryStreamName;
    const matching = delivery
      .all(region)
      .filter((stream) => input.DeliveryStreamType === undefined || stream.type === input.DeliveryStreamType)
      .filter((stream) => after === undefined || stream.name > after);
    const page = matching.slice(0, input.Limit ?? firehoseLimits.listDeliveryStreamsDefaultLimit);
    return { DeliveryStreamNames: page.map((stream) => stream.name), HasMoreDeliveryStreams: matching.length > page.length };
  },
});
