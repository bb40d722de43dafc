/** Kinesis ARNs: `arn:aws:kinesis:<region>:<account>:stream/<name>` and `…/consumer/<name>:<creation seconds>`. */
import { kinesisLimits } from "../config/limits.js";
import { invalidArgument, resourceNotFound } from "./errors.js";
import type { StreamRef } from "./stream-catalog.js";

export function streamArn(region: string, name: string): string {
  return `arn:aws:kinesis:${region}:${kinesisLimits.accountId}:stream/${name}`;
}

export function consumerArn(streamArnValue: string, consumerName: string, createdAt: number): string {
  return `${streamArnValue}/consumer/${consumerName}:${Math.floor(createdAt / 1000)}`;
}

const streamArnPattern = /^arn:aws[^:]*:kinesis:([^:]+):(\d{12}):stream\/([a-zA-Z0-9_.-]+)$/;
const consumerArnPattern = /^(arn:aws[^:]*:kinesis:([^:]+):(\d{12}):stream\/([a-zA-Z0-9_.-]+))\/consumer\/([a-zA-Z0-9_.-]+):(\d+)$/;

/**
 * Which stream a request names, by StreamName (in the request's region) or StreamARN. When both are given they
 * must agree, as AWS requires.
 */
export function resolveStream(region: string, input: { streamName?: string; streamArn?: string }): StreamRef {
  if (input.streamArn !== undefined) {
    const match = streamArnPattern.exec(input.streamArn);
    if (match === null) throw invalidArgument(`StreamARN ${input.streamArn} is not a valid stream ARN.`);
    const [, arnRegion, account, name] = match as unknown as [string, string, string, string];
    if (account !== kinesisLimits.accountId) {
      throw resourceNotFound(`Stream ${name} under account ${account} not found.`);
    }
    if (input.streamName !== undefined && input.streamName !== name) {
      throw invalidArgument(`StreamARN ${input.streamArn} and StreamName ${input.streamName} do not refer to the same stream.`);
    }
    return { region: arnRegion, name };
  }
  if (input.streamName === undefined) throw invalidArgument("Either StreamName or StreamARN must be provided.");
  return { region, name: input.streamName };
}

export interface ConsumerRef {
  readonly stream: StreamRef;
  readonly streamArn: string;
  readonly consumerName: string;
  readonly createdSeconds: number;
}

export function parseConsumerArn(arn: string): ConsumerRef | null {
  const match = consumerArnPattern.exec(arn);
  if (match === null) return null;
  const [, streamArnValue, region, , name, consumerName, seconds] = match as unknown as string[];
  return {
    stream: { region: region!, name: name! },
    streamArn: streamArnValue!,
    consumerName: consumerName!,
    createdSeconds: Number(seconds),
  };
}
