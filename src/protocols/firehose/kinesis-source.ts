/**
 * A Firehose stream's source between the wire and the domain: DeliveryStreamType with KinesisStreamSourceConfiguration
 * on CreateDeliveryStream, and `Source.KinesisStreamSourceDescription` on DescribeDeliveryStream.
 */
import { invalidArgument } from "../../delivery/errors.js";
import type { CreateDeliveryStreamInput } from "../../delivery/delivery-service.js";
import type { DeliveryStreamRecord } from "../../delivery/model.js";
import type { ValueOf } from "../aws/action.js";
import type { Shape } from "../aws/shapes.js";

export const kinesisStreamSourceConfiguration = {
  type: "structure",
  members: {
    KinesisStreamARN: { type: "string", required: true, min: 1, max: 512, pattern: "arn:.*:kinesis:[a-zA-Z0-9\\-]+:\\d{12}:stream/[a-zA-Z0-9_.-]+" },
    RoleARN: { type: "string", required: true, min: 1, max: 512, pattern: "arn:.*:iam::\\d{12}:role/[a-zA-Z_0-9+=,.@\\-_/]+" },
  },
} as const satisfies Shape;

export interface SourceMembers {
  readonly DeliveryStreamType?: string;
  readonly KinesisStreamSourceConfiguration?: ValueOf<typeof kinesisStreamSourceConfiguration>;
  readonly DirectPutSourceConfiguration?: object;
}

/** The source CreateDeliveryStream asks for: undefined for DirectPut (the default), the Kinesis stream otherwise. */
export function sourceFrom(input: SourceMembers): CreateDeliveryStreamInput["source"] {
  const type = input.DeliveryStreamType ?? "DirectPut";
  const kinesis = input.KinesisStreamSourceConfiguration;
  if (type === "DirectPut") {
    if (kinesis !== undefined) throw invalidArgument("KinesisStreamSourceConfiguration is only allowed with DeliveryStreamType KinesisStreamAsSource.");
    return undefined;
  }
  if (type !== "KinesisStreamAsSource") {
    throw invalidArgument(`DeliveryStreamType ${type} is not supported by Freshet yet; DirectPut and KinesisStreamAsSource are.`);
  }
  if (kinesis === undefined) throw invalidArgument("KinesisStreamSourceConfiguration is required when DeliveryStreamType is KinesisStreamAsSource.");
  if (input.DirectPutSourceConfiguration !== undefined) {
    throw invalidArgument("DirectPutSourceConfiguration is only allowed with DeliveryStreamType DirectPut.");
  }
  return { kinesisStreamArn: kinesis.KinesisStreamARN, roleArn: kinesis.RoleARN };
}

/** DescribeDeliveryStream's `Source` member: the Kinesis stream read, or DirectPut's throughput hint when one was given. */
export function sourceDescription(stream: DeliveryStreamRecord): { Source?: Record<string, unknown> } {
  if (stream.source === undefined) {
    const hint = stream.throughputHintInMBs;
    return hint === undefined ? {} : { Source: { DirectPutSourceDescription: { ThroughputHintInMBs: hint } } };
  }
  return {
    Source: {
      KinesisStreamSourceDescription: {
        KinesisStreamARN: stream.source.kinesisStreamArn,
        RoleARN: stream.source.roleArn,
        DeliveryStartTimestamp: new Date(stream.source.deliveryStartTimestamp),
      },
    },
  };
}
