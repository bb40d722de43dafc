/** The Kinesis Data Streams front end: `Kinesis_20131202.<Action>`, one file per action under actions/. */
import { awsService } from "../aws/action.js";
import type { AwsService } from "../aws/dispatch.js";
import type { AccountSettingsService } from "../../streams/account-settings.js";
import type { ConsumersService } from "../../streams/consumers.js";
import type { RecordsService } from "../../streams/records-service.js";
import type { StreamsService } from "../../streams/streams-service.js";
import type { SubscriptionsService } from "../../streams/subscriptions.js";
import { kinesisActions } from "./actions/index.js";
import { kinesisWireError } from "./errors.js";

export interface KinesisServices {
  readonly streams: StreamsService;
  readonly records: RecordsService;
  readonly consumers: ConsumersService;
  readonly subscriptions: SubscriptionsService;
  readonly account: AccountSettingsService;
}

export function kinesisService(services: KinesisServices): AwsService {
  return awsService("Kinesis_20131202", kinesisActions, services, kinesisWireError);
}
