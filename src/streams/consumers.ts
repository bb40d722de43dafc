/**
 * Enhanced fan-out consumers: registered on a stream (at most `kinesisLimits.consumersPerStream`), kept in the
 * stream's record, so they persist with it and go when it is deleted. CREATING → ACTIVE is derived from the time
 * (`activeAt`), so nothing has to survive a restart. Deregistering removes a consumer at once and ends its
 * subscriptions.
 */
import { kinesisLimits, kinesisTimings } from "../config/limits.js";
import { consumerArn, parseConsumerArn, resolveStream } from "./arns.js";
import { invalidArgument, limitExceeded, resourceInUse, resourceNotFound } from "./errors.js";
import { type ConsumerRecord, consumerStatus, type StreamRecord, streamStatus } from "./model.js";
import { decodePageToken, encodePageToken } from "./next-tokens.js";
import type { StreamRef } from "./stream-catalog.js";
import type { StreamsService } from "./streams-service.js";
import type { SubscriptionsService } from "./subscriptions.js";

export interface ConsumersOptions {
  /** How long a new consumer stays CREATING; `kinesisTimings.consumerCreateDelayMs` unless set. */
  readonly createDelayMs?: number;
}

/** How DescribeStreamConsumer and DeregisterStreamConsumer name a consumer: its ARN, or its stream's ARN and its name. */
export interface ConsumerTarget {
  readonly streamArn?: string;
  readonly consumerName?: string;
  readonly consumerArn?: string;
}

export interface RegisteredConsumer {
  readonly stream: StreamRecord;
  readonly consumer: ConsumerRecord;
}

export interface ConsumerPage {
  readonly stream: StreamRecord;
  readonly consumers: ConsumerRecord[];
  readonly nextToken?: string;
}

export interface ListConsumersRequest {
  readonly maxResults?: number;
  readonly nextToken?: string;
  /** Epoch ms: when given, the stream must be the one created then (not a later stream of the same name). */
  readonly streamCreatedAt?: number;
}

const listKind = "ListStreamConsumers";

export class ConsumersService {
  constructor(
    private readonly streams: StreamsService,
    private readonly subscriptions: SubscriptionsService,
    private readonly options: ConsumersOptions = {},
  ) {}

  async register(region: string, streamArn: string, name: string, tags: Readonly<Record<string, string>> = {}): Promise<RegisteredConsumer> {
    const ref = resolveStream(region, { streamArn });
    if (Object.keys(tags).length > kinesisLimits.tagsPerStream) {
      throw invalidArgument(`Failed to register consumer ${name}: too many tags (at most ${kinesisLimits.tagsPerStream}).`);
    }
    let registered: ConsumerRecord | undefined;
    const stream = await this.streams.amend(ref, (record) => {
      const now = this.streams.now();
      const status = streamStatus(record, now);
      if (status === "CREATING") {
        throw resourceInUse(`Stream ${record.name} under account ${kinesisLimits.accountId} not ACTIVE, instead in state ${status}`);
      }
      if (record.consumers.some((consumer) => consumer.name === name)) {
        throw resourceInUse(`Consumer ${name} under stream ${record.name} and account ${kinesisLimits.accountId} already exists.`);
      }
      if (record.consumers.length >= kinesisLimits.consumersPerStream) {
        throw limitExceeded(
          `Stream ${record.name} under account ${kinesisLimits.accountId} already has ${record.consumers.length} registered consumers: the limit is ${kinesisLimits.consumersPerStream}.`,
        );
      }
      if (this.creatingCount(ref.region, now) >= kinesisLimits.consumersCreatingAtOnce) {
        throw limitExceeded(
          `Only ${kinesisLimits.consumersCreatingAtOnce} consumers can be in CREATING status at once under account ${kinesisLimits.accountId}.`,
        );
      }
      registered = {
        name,
        arn: consumerArn(record.arn, name, now),
        createdAt: now,
        activeAt: now + (this.options.createDelayMs ?? kinesisTimings.consumerCreateDelayMs),
        tags: { ...tags },
      };
      return { ...record, consumers: [...record.consumers, registered] };
    });
    return { stream, consumer: registered! };
  }

  async deregister(region: string, target: ConsumerTarget): Promise<void> {
    const { ref, find } = this.resolve(region, target);
    let removed: ConsumerRecord | undefined;
    await this.streams.amend(ref, (record) => {
      removed = find(record);
      return { ...record, consumers: record.consumers.filter((consumer) => consumer !== removed) };
    });
    this.subscriptions.endConsumer(removed!.arn);
  }

  describe(region: string, target: ConsumerTarget): RegisteredConsumer {
    const { ref, find } = this.resolve(region, target);
    const stream = this.streams.stream(ref).record;
    return { stream, consumer: find(stream) };
  }

  /** One page of a stream's consumers, by name. */
  list(region: string, streamArn: string, request: ListConsumersRequest): ConsumerPage {
    const ref = resolveStream(region, { streamArn });
    const stream = this.streams.stream(ref).record;
    const now = this.streams.now();
    if (request.streamCreatedAt !== undefined && request.streamCreatedAt !== stream.createdAt) {
      throw resourceNotFound(
        `Stream ${stream.name} under account ${kinesisLimits.accountId} with creation timestamp ${request.streamCreatedAt} not found.`,
      );
    }
    let after: string | undefined;
    if (request.nextToken !== undefined) {
      const token = decodePageToken(request.nextToken, listKind, now);
      if (token.stream !== stream.arn) throw invalidArgument("Invalid NextToken.");
      after = token.after;
    }
    const byName = [...stream.consumers].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const remaining = after === undefined ? byName : byName.filter((consumer) => consumer.name > after);
    const page = remaining.slice(0, request.maxResults ?? kinesisLimits.listStreamConsumersDefaultMaxResults);
    const hasMore = remaining.length > page.length;
    return {
      stream,
      consumers: page,
      ...(hasMore ? { nextToken: encodePageToken({ kind: listKind, stream: stream.arn, after: page.at(-1)!.name, issuedAt: now }) } : {}),
    };
  }

  /** The stream a target names, and how to find its consumer in that stream's record (ResourceNotFound if absent). */
  private resolve(region: string, target: ConsumerTarget): { ref: StreamRef; find: (stream: StreamRecord) => ConsumerRecord } {
    if (target.consumerArn !== undefined) {
      const arn = target.consumerArn;
      const parsed = parseConsumerArn(arn);
      if (parsed === null) throw invalidArgument(`ConsumerARN ${arn} is not a valid consumer ARN.`);
      if (target.streamArn !== undefined && target.streamArn !== parsed.streamArn) {
        throw invalidArgument(`ConsumerARN ${arn} does not belong to stream ${target.streamArn}.`);
      }
      if (target.consumerName !== undefined && target.consumerName !== parsed.consumerName) {
        throw invalidArgument(`ConsumerARN ${arn} and ConsumerName ${target.consumerName} do not refer to the same consumer.`);
      }
      const ref = resolveStream(region, { streamArn: parsed.streamArn });
      return {
        ref,
        find: (stream) => stream.consumers.find((consumer) => consumer.arn === arn) ?? throwNotFound(parsed.consumerName, stream.name),
      };
    }
    if (target.streamArn === undefined || target.consumerName === undefined) {
      throw invalidArgument("ConsumerARN or both ConsumerName and StreamARN are required for this request.");
    }
    const name = target.consumerName;
    return {
      ref: resolveStream(region, { streamArn: target.streamArn }),
      find: (stream) => stream.consumers.find((consumer) => consumer.name === name) ?? throwNotFound(name, stream.name),
    };
  }

  private creatingCount(region: string, now: number): number {
    return this.streams
      .listStreams(region)
      .reduce((sum, stream) => sum + stream.record.consumers.filter((consumer) => consumerStatus(consumer, now) === "CREATING").length, 0);
  }
}

export function consumerNotFound(consumerName: string, streamName: string): Error {
  return resourceNotFound(`Consumer ${consumerName} under stream ${streamName} and account ${kinesisLimits.accountId} not found.`);
}

function throwNotFound(consumerName: string, streamName: string): never {
  throw consumerNotFound(consumerName, streamName);
}
