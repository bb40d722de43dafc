/** The Amazon Data Firehose front end: `Firehose_20150804.<Action>`, JSON 1.1, one file per action under actions/. */
import { awsService } from "../aws/action.js";
import type { AwsService } from "../aws/dispatch.js";
import type { FirehoseSettings } from "../../config/config.js";
import type { DeliveryService } from "../../delivery/delivery-service.js";
import { firehoseActions } from "./actions/index.js";
import { firehoseWireError } from "./errors.js";

export interface FirehoseServices {
  readonly delivery: DeliveryService;
  /** Lambda function URLs and Glue tables that processing and format conversion settings refer to. */
  readonly settings: FirehoseSettings;
}

export function firehoseService(services: FirehoseServices): AwsService {
  return awsService("Firehose_20150804", firehoseActions, services, firehoseWireError);
}
