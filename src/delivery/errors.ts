/**
 * The Firehose domain's expected failures. Each carries the exception name Firehose uses and AWS's wording where
 * known; the Firehose front end maps them onto the wire in one place (src/protocols/firehose/errors.ts).
 */
import { firehoseLimits } from "../config/limits.js";

export type DeliveryErrorCode =
  | "ResourceNotFoundException"
  | "ResourceInUseException"
  | "InvalidArgumentException"
  | "LimitExceededException"
  | "ConcurrentModificationException"
  | "ServiceUnavailableException";

export class DeliveryError extends Error {
  override readonly name = "DeliveryError";

  constructor(
    readonly code: DeliveryErrorCode,
    message: string,
  ) {
    super(message);
  }
}

const error = (code: DeliveryErrorCode) => (message: string) => new DeliveryError(code, message);

export const resourceNotFound = error("ResourceNotFoundException");
export const resourceInUse = error("ResourceInUseException");
export const invalidArgument = error("InvalidArgumentException");
export const limitExceeded = error("LimitExceededException");

export const deliveryStreamNotFound = (name: string): DeliveryError =>
  resourceNotFound(`Firehose ${name} under account ${firehoseLimits.accountId} not found.`);

export const deliveryStreamExists = (name: string): DeliveryError =>
  resourceInUse(`Firehose ${name} under accountId ${firehoseLimits.accountId} already exists`);
