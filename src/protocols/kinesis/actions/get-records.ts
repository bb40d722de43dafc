import { kinesisLimits } from "../../../config/limits.js";
import { kinesisAction } from "../define.js";
import { wireChildShard, wireRecord } from "../descriptions.js";
import { streamArn, streamId } from "../members.js";
import { withRecordsJson } from "../records-json.js";

export const getRecords = kinesisAction({
  name: "GetRecords",
  input: {
    type: "structure",
    // In the order AWS reports their validation errors.
    members: {
      Limit: { type: "integer", min: 1, max: 10000 },
      ShardIterator: { type: "string", required: true, min: 1, max: 512 },
      StreamARN: streamArn,
      StreamId: streamId,
    },
  },
  async handle(input, { records }, { region }) {
    const result = await records.getRecords(region, input.ShardIterator, input.Limit ?? kinesisLimits.getRecordsMaxRecords, input.StreamARN);
    return withRecordsJson({
      Records: result.records.map(wireRecord),
      NextShardIterator: result.nextShardIterator ?? undefined,
      MillisBehindLatest: result.millisBehindLatest,
      ChildShards: result.childShards?.map(wireChildShard),
    });
  },
});
