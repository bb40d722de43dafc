/** The one place Firehose's domain and storage failures become AWS wire errors. */
import { AwsError } from "../aws/errors.js";
import { DeliveryError } from "../../delivery/errors.js";
import { LogNotFoundError, StorageError } from "../../storage/errors.js";

export function firehoseWireError(error: unknown): AwsError | null {
  if (error instanceof DeliveryError) {
    return new AwsError(error.code, error.message, error.code === "ServiceUnavailableException" ? 503 : 400);
  }
  // A stream deleted while a request was using its log.
  if (error instanceof LogNotFoundError) return new AwsError("ResourceNotFoundException", "Firehose stream not found.");
  if (error instanceof StorageError) return new AwsError("ServiceUnavailableException", `Slow down. ${error.message}`, 503);
  return null;
}
