/** The write thread (see write-thread.ts): writes each request's bytes, in order, and answers which writes failed. */
import { parentPort } from "node:worker_threads";
import { writeFullySync } from "../../util/files.js";
import type { SystemErrorFields, WriteRequest, WriteResponse } from "./write-thread.js";

parentPort!.on("message", ({ id, data, writes }: WriteRequest) => {
  const bytes = new Uint8Array(data);
  const failures: Array<{ write: number; error: SystemErrorFields }> = [];
  let at = 0;
  writes.forEach(({ fd, position, length }, write) => {
    try {
      writeFullySync(fd, [bytes.subarray(at, at + length)], position);
    } catch (error) {
      const { message, code, errno, syscall } = error as NodeJS.ErrnoException;
      failures.push({ write, error: { message, code, errno, syscall } });
    }
    at += length;
  });
  const response: WriteResponse = { id, failures };
  parentPort!.postMessage(response);
});
