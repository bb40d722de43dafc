import { createStream } from "./create-stream.js";
import { deleteStream } from "./delete-stream.js";
import { describeStream } from "./describe-stream.js";
import { describeStreamSummary } from "./describe-stream-summary.js";
import { getRecords } from "./get-records.js";
import { getShardIterator } from "./get-shard-iterator.js";
import { listStreams } from "./list-streams.js";
import { putRecord } from "./put-record.js";
import { putRecords } from "./put-records.js";
import { decreaseStreamRetentionPeriod, increaseStreamRetentionPeriod } from "./retention.js";

export const kinesisActions = [
  createStream,
  deleteStream,
  describeStream,
  describeStreamSummary,
  listStreams,
  increaseStreamRetentionPeriod,
  decreaseStreamRetentionPeriod,
  putRecord,
  putRecords,
  getShardIterator,
  getRecords,
];
