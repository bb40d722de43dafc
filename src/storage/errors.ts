/** Named storage failures. Services map them onto their wire's errors; anything else is a bug. */

export class StorageError extends Error {
  override readonly name: string = "StorageError";
}

export class LogNotFoundError extends StorageError {
  override readonly name = "LogNotFoundError";
  constructor(readonly log: string) {
    super(`log ${JSON.stringify(log)} does not exist`);
  }
}

export class LogExistsError extends StorageError {
  override readonly name = "LogExistsError";
  constructor(readonly log: string) {
    super(`log ${JSON.stringify(log)} already exists`);
  }
}

export class PartitionNotFoundError extends StorageError {
  override readonly name = "PartitionNotFoundError";
  constructor(readonly log: string, readonly partition: number) {
    super(`log ${JSON.stringify(log)} has no partition ${partition}`);
  }
}

/** The disk failed a read or write (ENOSPC, EIO, …). The operation had no effect; `cause` holds the system error. */
export class StorageIoError extends StorageError {
  override readonly name = "StorageIoError";
  constructor(message: string, options: { cause: unknown }) {
    super(message, options);
  }
}

/**
 * A partition stopped accepting writes after a failure that left its state uncertain (a failed fsync).
 * Reads still work; a restart recovers the partition from what is on disk.
 */
export class PartitionFencedError extends StorageError {
  override readonly name = "PartitionFencedError";
  constructor(readonly log: string, readonly partition: number, options: { cause: unknown }) {
    super(`partition ${partition} of log ${JSON.stringify(log)} stopped accepting writes after a disk failure`, options);
  }
}

/** Bytes on disk failed their checksum or framing. They are never returned. */
export class CorruptDataError extends StorageError {
  override readonly name = "CorruptDataError";
}

export class StoreClosedError extends StorageError {
  override readonly name = "StoreClosedError";
  constructor() {
    super("the store is closed");
  }
}

export class InvalidAppendError extends StorageError {
  override readonly name = "InvalidAppendError";
}
