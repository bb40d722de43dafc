import { firehoseLimits } from "../../../config/limits.js";
import { firehoseAction } from "../define.js";
import { deliveryStreamName, tagKey, tagList } from "../members.js";
import { checkTagKey, checkTags } from "../tags.js";

export const tagDeliveryStream = firehoseAction({
  name: "TagDeliveryStream",
  input: { type: "structure", members: { DeliveryStreamName: { ...deliveryStreamName, required: true }, Tags: { ...tagList, required: true } } },
  async handle(input, { delivery }, { region }) {
    await delivery.tag({ region, name: input.DeliveryStreamName }, checkTags(input.Tags));
    return {};
  },
});

export const untagDeliveryStream = firehoseAction({
  name: "UntagDeliveryStream",
  input: {
    type: "structure",
    members: {
      DeliveryStreamName: { ...deliveryStreamName, required: true },
      TagKeys: { type: "list", required: true, member: tagKey, min: 1, max: 50 },
    },
  },
  async handle(input, { delivery }, { region }) {
    input.TagKeys.forEach(checkTagKey);
    await delivery.untag({ region, name: input.DeliveryStreamName }, input.TagKeys);
    return {};
  },
});

export const listTagsForDeliveryStream = firehoseAction({
  name: "ListTagsForDeliveryStream",
  input: {
    type: "structure",
    members: {
      DeliveryStreamName: { ...deliveryStreamName, required: true },
      ExclusiveStartTagKey: tagKey,
      Limit: { type: "integer", min: 1, max: 50 },
    },
  },
  async handle(input, { delivery }, { region }) {
    const stream = delivery.get({ region, name: input.DeliveryStreamName });
    const after = input.ExclusiveStartTagKey;
    const keys = Object.keys(stream.tags)
      .sort()
      .filter((key) => after === undefined || key > after);
    const page = keys.slice(0, input.Limit ?? firehoseLimits.listTagsDefaultLimit);
    return { Tags: page.map((key) => ({ Key: key, Value: stream.tags[key]! })), HasMoreTags: keys.length > page.length };
  },
});
