/**
 * Plain (not synced) segment writes, kept off the thread pool. A write through a FileHandle is one thread-pool trip:
 * on a virtual machine each costs ~50 µs of CPU (a futex wake, context switches, the completion's wake-up), and its
 * answer then waits for the event loop to come round to it, which under load takes milliseconds.
 *
 * The writes asked for in one turn of the event loop (every partition's round of one request) are taken together.
 * Up to `loopWriteMaxCount` of them (a PutRecords spread over up to 64 shards) are made right away, one synchronous
 * call each. More travel to one thread per process as one message, their bytes copied into one shared buffer, and it
 * writes them one after another with synchronous calls and answers once, so that one turn never holds the event
 * loop for hundreds of calls. A large write and durable writes (O_DSYNC, fdatasync) stay in the thread pool, where
 * they wait for the disk in parallel.
 *
 * The thread writes to descriptors the caller owns: a caller must not close or cut back a file while a write to it
 * is pending (partitions run their rounds, syncs and closes one at a time, so they never do).
 */
import type { FileHandle } from "node:fs/promises";
import { logStorageDefaults } from "../../config/limits.js";
import { writeFully, writeFullyNow } from "../../util/files.js";
import { RequestThread } from "../../util/request-thread.js";

/** One message to the thread: every write's bytes, one after another, in `data`. */
export interface WriteRequest {
  readonly id: number;
  readonly data: SharedArrayBuffer;
  readonly writes: ReadonlyArray<{ readonly fd: number; readonly position: number; readonly length: number }>;
}

/** The errors of the writes that failed, by their index in the request; the rest were written whole. */
export interface WriteResponse {
  readonly id: number;
  readonly failures: ReadonlyArray<{ readonly write: number; readonly error: SystemErrorFields }>;
}

export interface SystemErrorFields {
  readonly message: string;
  readonly code?: string;
  readonly errno?: number;
  readonly syscall?: string;
}

interface QueuedWrite {
  readonly file: FileHandle;
  readonly buffers: readonly Buffer[];
  readonly position: number;
  readonly length: number;
  resolve(): void;
  reject(error: Error): void;
}

/**
 * Buffers of answered messages, for the next ones. Shared and reused rather than transferred: a buffer handed to the
 * thread is freed only when its garbage collector runs, which a thread that allocates almost nothing seldom does, and
 * the benchmark's server grew by ~45 MB of them.
 */
const idleBuffers: SharedArrayBuffer[] = [];
/** Kept idle at most: a turn that wrote to a thousand shards must not pin its large buffer for good. */
const maxIdleBytes = 4 * 1024 * 1024;
/** Writes asked for in this turn, not sent yet. */
let queued: QueuedWrite[] = [];

interface SentWrites {
  readonly writes: readonly QueuedWrite[];
  readonly data: SharedArrayBuffer;
}

const thread = new RequestThread<WriteRequest, WriteResponse, SentWrites>({
  url: new URL("./write-thread-main.js", import.meta.url),
  lostMessage: "the write thread stopped",
  answered({ failures }, { writes, data }) {
    if (idleBytes() + data.byteLength <= maxIdleBytes) idleBuffers.push(data);
    const failed = new Map(failures.map(({ write, error }) => [write, error]));
    writes.forEach((write, i) => {
      const error = failed.get(i);
      if (error === undefined) write.resolve();
      else write.reject(Object.assign(new Error(error.message), { code: error.code, errno: error.errno, syscall: error.syscall }));
    });
  },
  // The writes' rounds are cut back and rejected; the data they were in is not reused, the thread may hold it.
  lost(error, { writes }) {
    const failure = Object.assign(error, { code: "EIO" });
    for (const write of writes) write.reject(failure);
  },
});

/**
 * Writes every byte of `buffers` to `file` at `position` without syncing: from the event loop or on the write thread,
 * or through the thread pool if it is large. Fails with the system's error (ENOSPC, EFBIG, EIO …), as a write through
 * the FileHandle would.
 */
export function writeUnsynced(file: FileHandle, buffers: readonly Buffer[], position: number): Promise<void> {
  let length = 0;
  for (const buffer of buffers) length += buffer.length;
  if (length === 0) return Promise.resolve();
  // A large write's trip to the thread pool costs little beside its bytes, and copying them here would cost more.
  if (length >= logStorageDefaults.writeThreadMaxBytes) return writeFully(file, buffers, position);
  return new Promise((resolve, reject) => {
    if (queued.length === 0) queueMicrotask(send);
    queued.push({ file, buffers, position, length, resolve, reject });
  });
}

function send(): void {
  const writes = queued;
  queued = [];
  if (writes.length <= logStorageDefaults.loopWriteMaxCount) {
    for (const write of writes) writeFullyNow(write.file.fd, write.buffers, write.position).then(write.resolve, write.reject);
    return;
  }
  let bytes = 0;
  for (const write of writes) bytes += write.length;
  const data = sharedBuffer(bytes);
  const view = new Uint8Array(data);
  let at = 0;
  for (const write of writes) {
    for (const buffer of write.buffers) {
      view.set(buffer, at);
      at += buffer.length;
    }
  }
  const fds = writes.map(({ file, position, length }) => ({ fd: file.fd, position, length }));
  thread.send((id) => ({ id, data, writes: fds }), { writes, data });
}

function idleBytes(): number {
  let bytes = 0;
  for (const buffer of idleBuffers) bytes += buffer.byteLength;
  return bytes;
}

/** An idle buffer of at least `bytes`, or a new one (a power of two, so that it fits later messages too). */
function sharedBuffer(bytes: number): SharedArrayBuffer {
  const fitting = idleBuffers.findIndex((buffer) => buffer.byteLength >= bytes);
  if (fitting >= 0) return idleBuffers.splice(fitting, 1)[0]!;
  return new SharedArrayBuffer(2 ** Math.ceil(Math.log2(Math.max(bytes, logStorageDefaults.writeThreadMaxBytes))));
}
