import { kinesisLimits } from "../../../config/limits.js";
import { streamStatus } from "../../../streams/model.js";
import { decodePageToken, encodePageToken } from "../../../streams/next-tokens.js";
import { kinesisAction } from "../define.js";
import { nextToken, streamName } from "../members.js";

export const listStreams = kinesisAction({
  name: "ListStreams",
  input: {
    type: "structure",
    members: {
      Limit: { type: "integer", min: 1, max: 10000 },
      ExclusiveStartStreamName: streamName,
      NextToken: nextToken,
    },
  },
  async handle(input, { streams }, { region }) {
    const now = streams.now();
    const after = input.NextToken === undefined ? input.ExclusiveStartStreamName : decodePageToken(input.NextToken, "ListStreams", now).after;
    const all = streams.listStreams(region).map((stream) => stream.record);
    const remaining = after === undefined ? all : all.filter((stream) => stream.name > after);
    const page = remaining.slice(0, input.Limit ?? kinesisLimits.listStreamsDefaultLimit);
    const hasMore = remaining.length > page.length;
    return {
      StreamNames: page.map((stream) => stream.name),
      HasMoreStreams: hasMore,
      NextToken: hasMore ? encodePageToken({ kind: "ListStreams", after: page.at(-1)!.name, issuedAt: now }) : undefined,
      StreamSummaries: page.map((stream) => ({
        StreamName: stream.name,
        StreamARN: stream.arn,
        StreamStatus: streamStatus(stream, now),
        StreamModeDetails: { StreamMode: stream.mode },
        StreamCreationTimestamp: new Date(stream.createdAt),
      })),
    };
  },
});
