/**
 * AWS JSON/CBOR protocol errors. A service throws an AwsError; the dispatcher (dispatch.ts) is the one place that
 * turns it into the wire shape: HTTP status, `x-amzn-ErrorType`, and a body `{"__type": …, "message": …}` in the
 * request's encoding.
 */

export class AwsError extends Error {
  override readonly name = "AwsError";

  constructor(
    /** The error's shape name as AWS sends it in `__type`, e.g. "ResourceNotFoundException". */
    readonly type: string,
    message: string | undefined,
    readonly statusCode = 400,
  ) {
    super(message ?? "");
  }

  /** AWS omits `message` for some errors (UnknownOperationException, SerializationException without detail). */
  get hasMessage(): boolean {
    return this.message !== "";
  }
}

export const unknownOperation = (): AwsError => new AwsError("UnknownOperationException", undefined);

export const serializationError = (message?: string): AwsError => new AwsError("SerializationException", message);

export const internalFailure = (): AwsError => new AwsError("InternalFailure", "Internal service failure.", 500);
