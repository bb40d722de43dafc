/** Small filesystem helpers for crash-safe updates. */
import { constants, writevSync } from "node:fs";
import { type FileHandle, open, rename, rm } from "node:fs/promises";
import { dirname } from "node:path";

/** The open flag for writes that are durable when they return, where the platform has it (Linux, macOS). */
export const durableWrites: number | undefined = constants.O_DSYNC;

/** Makes a directory's entries (files created, renamed or removed in it) durable. */
export async function fsyncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Replaces a file's content so that after a crash it holds either the old or the new bytes, never a mix. */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const temporary = `${path}.tmp`;
  const handle = await open(temporary, "w");
  try {
    await handle.writeFile(data);
    await handle.datasync();
  } finally {
    await handle.close();
  }
  await rename(temporary, path);
  await fsyncDirectory(dirname(path));
}

/** Removes a file if it is there. */
export async function removeFile(path: string): Promise<void> {
  await rm(path, { force: true });
}

export function isNotFound(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | null)?.code === "ENOENT";
}

/**
 * Writes every byte of `buffers` at `position`. A short write is retried with the rest, so a full disk surfaces as
 * the system's own error (ENOSPC, EFBIG) rather than a silently short file.
 */
export async function writeFully(handle: FileHandle, buffers: readonly Uint8Array[], position: number): Promise<void> {
  let pending = buffers.filter((buffer) => buffer.length > 0);
  let at = position;
  while (pending.length > 0) {
    const { bytesWritten } = await handle.writev(pending, at);
    at += madeProgress(bytesWritten);
    pending = unwritten(pending, bytesWritten);
  }
}

/**
 * writeFully on the calling thread, for a write too small to be worth a trip to the thread pool: the thread waits
 * until the bytes are written (through an O_DSYNC descriptor, until they are on disk).
 */
export function writeFullySync(fd: number, buffers: readonly Uint8Array[], position: number): void {
  let pending = buffers.filter((buffer) => buffer.length > 0);
  let at = position;
  while (pending.length > 0) {
    const bytesWritten = writevSync(fd, pending, at);
    at += madeProgress(bytesWritten);
    pending = unwritten(pending, bytesWritten);
  }
}

/** writeFullySync's outcome as a settled promise, for callers whose other writes are asynchronous. */
export function writeFullyNow(fd: number, buffers: readonly Uint8Array[], position: number): Promise<void> {
  try {
    writeFullySync(fd, buffers, position);
    return Promise.resolve();
  } catch (error) {
    return Promise.reject(error as Error);
  }
}

function madeProgress(bytesWritten: number): number {
  if (bytesWritten === 0) throw Object.assign(new Error("write made no progress"), { code: "EIO" });
  return bytesWritten;
}

/** What is left of `buffers` once their first `bytesWritten` bytes are written. */
function unwritten(buffers: Uint8Array[], bytesWritten: number): Uint8Array[] {
  let skip = bytesWritten;
  while (buffers.length > 0 && skip >= buffers[0]!.length) skip -= buffers.shift()!.length;
  if (skip > 0) buffers[0] = buffers[0]!.subarray(skip);
  return buffers;
}
