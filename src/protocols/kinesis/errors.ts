/** The one place Kinesis' domain and storage failures become AWS wire errors. */
import { AwsError } from "../aws/errors.js";
import { StorageError, StorageIoError, PartitionFencedError } from "../../storage/errors.js";
import { StreamsError } from "../../streams/errors.js";

export function kinesisWireError(error: unknown): AwsError | null {
  if (error instanceof StreamsError) return new AwsError(error.code, error.message);
  if (error instanceof StorageIoError || error instanceof PartitionFencedError) {
    return new AwsError("InternalFailure", `The storage layer failed: ${error.message}`, 500);
  }
  if (error instanceof StorageError) return new AwsError("InternalFailure", error.message, 500);
  return null;
}
