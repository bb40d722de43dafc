/** The write thread (see write-thread.ts): writes each request's bytes, in order, and answers which writes failed. */
import { writeSync } from "node:fs";
import { parentPort } from "node:worker_threads";
import type { SystemErrorFields, WriteRequest, WriteResponse } from "./write-thread.js";

parentPort!.on("message", ({ id, data, writes }: WriteRequest) => {
  const bytes = new Uint8Array(data);
  const failures: Array<{ write: number; error: SystemErrorFields }> = [];
  let at = 0;
  writes.forEach(({ fd, position, length }, write) => {
    try {
      writeWhole(fd, bytes, at, length, position);
    } catch (error) {
      const { message, code, errno, syscall } = error as NodeJS.ErrnoException;
      failures.push({ write, error: { message, code, errno, syscall } });
    }
    at += length;
  });
  const response: WriteResponse = { id, failures };
  parentPort!.postMessage(response);
});

/** A short write is retried with the rest, so a full disk surfaces as the system's error, not a short file. */
function writeWhole(fd: number, bytes: Uint8Array, offset: number, length: number, position: number): void {
  let written = 0;
  while (written < length) {
    const wrote = writeSync(fd, bytes, offset + written, length - written, position + written);
    if (wrote === 0) throw Object.assign(new Error("write made no progress"), { code: "EIO" });
    written += wrote;
  }
}
