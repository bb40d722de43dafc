import { createDeliveryStream } from "./create-delivery-stream.js";
import { deleteDeliveryStream } from "./delete-delivery-stream.js";
import { startDeliveryStreamEncryption, stopDeliveryStreamEncryption } from "./encryption.js";
import { describeDeliveryStream } from "./describe-delivery-stream.js";
import { listDeliveryStreams } from "./list-delivery-streams.js";
import { putRecordBatch } from "./put-record-batch.js";
import { putRecord } from "./put-record.js";
import { listTagsForDeliveryStream, tagDeliveryStream, untagDeliveryStream } from "./tags.js";
import { updateDestination } from "./update-destination.js";

export const firehoseActions = [
  createDeliveryStream,
  deleteDeliveryStream,
  describeDeliveryStream,
  listDeliveryStreams,
  putRecord,
  putRecordBatch,
  updateDestination,
  tagDeliveryStream,
  untagDeliveryStream,
  listTagsForDeliveryStream,
  startDeliveryStreamEncryption,
  stopDeliveryStreamEncryption,
];
