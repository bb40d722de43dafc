/**
 * The Kinesis domain's expected failures. Each carries the exception name Kinesis uses and AWS's own wording;
 * the Kinesis front end maps them onto the wire in one place (src/protocols/kinesis/errors.ts).
 */

export type StreamsErrorCode =
  | "ResourceNotFoundException"
  | "ResourceInUseException"
  | "InvalidArgumentException"
  | "LimitExceededException"
  | "ExpiredIteratorException"
  | "ExpiredNextTokenException"
  | "ProvisionedThroughputExceededException"
  | "ValidationException"
  | "AccessDeniedException";

export class StreamsError extends Error {
  override readonly name = "StreamsError";

  constructor(
    readonly code: StreamsErrorCode,
    message: string,
  ) {
    super(message);
  }
}

const error = (code: StreamsErrorCode) => (message: string) => new StreamsError(code, message);

export const resourceNotFound = error("ResourceNotFoundException");
export const resourceInUse = error("ResourceInUseException");
export const invalidArgument = error("InvalidArgumentException");
export const limitExceeded = error("LimitExceededException");
export const expiredIterator = error("ExpiredIteratorException");
export const expiredNextToken = error("ExpiredNextTokenException");
export const throughputExceeded = error("ProvisionedThroughputExceededException");
export const validation = error("ValidationException");
