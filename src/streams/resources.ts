/**
 * Kinesis resources named by ARN (TagResource, UntagResource, ListTagsForResource and the resource-policy actions):
 * a stream, or a consumer registered on one. Both live in the stream's record, so a change to either is one
 * read-modify-write of that record.
 */
import { kinesisLimits } from "../config/limits.js";
import { parseConsumerArn, resolveStream } from "./arns.js";
import { consumerNotFound } from "./consumers.js";
import { invalidArgument, resourceInUse } from "./errors.js";
import { type StreamRecord, streamStatus } from "./model.js";
import type { StreamRef } from "./stream-catalog.js";
import type { StreamsService } from "./streams-service.js";

export type ResourceTarget =
  | { readonly kind: "stream"; readonly ref: StreamRef }
  | { readonly kind: "consumer"; readonly ref: StreamRef; readonly arn: string; readonly consumerName: string };

/** What every resource carries that these actions read and change. */
export interface ResourceAttributes {
  readonly tags: Readonly<Record<string, string>>;
  readonly resourcePolicy?: string;
}

export function streamTarget(ref: StreamRef): ResourceTarget {
  return { kind: "stream", ref };
}

/** The stream or consumer an ARN names (its account must be Freshet's, as resolveStream checks). */
export function resolveResource(region: string, arn: string): ResourceTarget {
  const consumer = parseConsumerArn(arn);
  if (consumer !== null) {
    return { kind: "consumer", ref: resolveStream(region, { streamArn: consumer.streamArn }), arn, consumerName: consumer.consumerName };
  }
  if (!/:stream\/[^/]+$/.test(arn)) throw invalidArgument(`ResourceARN ${arn} is not a valid stream or consumer ARN.`);
  return { kind: "stream", ref: resolveStream(region, { streamArn: arn }) };
}

/** How AWS's messages name the resource: `stream orders`, `consumer reader`. */
export function describeResource(target: ResourceTarget): string {
  return target.kind === "stream" ? `stream ${target.ref.name}` : `consumer ${target.consumerName}`;
}

export function readResource(streams: StreamsService, target: ResourceTarget): ResourceAttributes {
  return pick(streams.stream(target.ref).record, target);
}

/**
 * Changes a resource's tags or policy, one change at a time per stream. Allowed in any state but CREATING (a
 * stream being resharded can still be tagged).
 */
export async function amendResource(
  streams: StreamsService,
  target: ResourceTarget,
  change: (current: ResourceAttributes) => ResourceAttributes,
): Promise<void> {
  await streams.amend(target.ref, (record) => {
    const status = streamStatus(record, streams.now());
    if (status === "CREATING") {
      throw resourceInUse(`Stream ${record.name} under account ${kinesisLimits.accountId} not ACTIVE, instead in state ${status}`);
    }
    if (target.kind === "stream") return withAttributes(record, change(pick(record, target)));
    const current = pick(record, target);
    const next = change(current);
    return {
      ...record,
      consumers: record.consumers.map((consumer) => (consumer.arn === target.arn ? withAttributes(consumer, next) : consumer)),
    };
  });
}

function pick(record: StreamRecord, target: ResourceTarget): ResourceAttributes {
  if (target.kind === "stream") return attributesOf(record);
  const consumer = record.consumers.find((candidate) => candidate.arn === target.arn);
  if (consumer === undefined) throw consumerNotFound(target.consumerName, record.name);
  return attributesOf(consumer);
}

function attributesOf(resource: ResourceAttributes): ResourceAttributes {
  return { tags: resource.tags, ...(resource.resourcePolicy === undefined ? {} : { resourcePolicy: resource.resourcePolicy }) };
}

function withAttributes<T extends ResourceAttributes>(resource: T, attributes: ResourceAttributes): T {
  const { resourcePolicy: _dropped, ...rest } = resource;
  return {
    ...rest,
    tags: attributes.tags,
    ...(attributes.resourcePolicy === undefined ? {} : { resourcePolicy: attributes.resourcePolicy }),
  } as unknown as T;
}
