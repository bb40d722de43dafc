/**
 * The S3 destination when no S3 endpoint is configured: objects are files, `<root>/<bucket>/<key>`. A key's `/`
 * makes directories. An object is written to a hidden temporary file beside it, fsync'd, then renamed into place
 * (and the directory fsync'd, with any directory made for it), so an object either exists whole or not at all, even
 * across kill -9 or a power cut.
 */
import { randomUUID } from "node:crypto";
import { mkdir, open, rename, rm } from "node:fs/promises";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fsyncDirectory } from "../util/files.js";

export interface PutOptions {
  /** The object's Content-Encoding, as Firehose sets it for compressed objects (files have none to carry). */
  readonly contentEncoding?: string | null;
  /** Aborted when a stop has run out of time: the write may be abandoned. */
  readonly signal?: AbortSignal;
}

export interface ObjectWriter {
  /** Writes the object whole or not at all. */
  put(bucket: string, key: string, body: Uint8Array, options?: PutOptions): Promise<void>;
}

export class LocalObjectWriter implements ObjectWriter {
  constructor(readonly root: string) {}

  /** Where an object lands (a leading `/` of the key is kept inside the bucket); refuses a key that would leave it. */
  pathOf(bucket: string, key: string): string {
    const bucketDir = resolve(this.root, bucket);
    const path = join(bucketDir, key);
    const inside = relative(bucketDir, path);
    if (inside === "" || inside.startsWith("..") || inside.startsWith(sep)) {
      throw new Error(`object key ${JSON.stringify(key)} does not name a file inside bucket ${bucket}`);
    }
    return path;
  }

  async put(bucket: string, key: string, body: Uint8Array): Promise<void> {
    const path = this.pathOf(bucket, key);
    const dir = dirname(path);
    const firstCreated = await mkdir(dir, { recursive: true });
    const temporary = join(dir, `.freshet-upload-${randomUUID()}`);
    try {
      const file = await open(temporary, "wx");
      try {
        await file.writeFile(body);
        await file.datasync();
      } finally {
        await file.close();
      }
      await rename(temporary, path);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
    await fsyncDirectory(dir);
    // Directories made for this object: their entries in their parents must be durable too (a bounded walk up).
    if (firstCreated !== undefined) {
      for (let created = dir; created !== dirname(firstCreated); created = dirname(created)) await fsyncDirectory(dirname(created));
    }
  }
}
