/** Readers parked until a partition's end offset passes the offset they wait on: pushed to, never polled. */
export class AppendWaiters {
  private readonly waiters = new Set<{ offset: number; resolve: () => void; reject: (error: unknown) => void }>();

  /** Resolves once `endOffset()` is past `offset`; rejects with the signal's reason when aborted. */
  wait(offset: number, endOffset: number, signal?: AbortSignal): Promise<void> {
    if (endOffset > offset) return Promise.resolve();
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        this.waiters.delete(waiter);
        reject(signal?.reason);
      };
      const waiter = {
        offset,
        resolve: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
        reject: (error: unknown) => {
          signal?.removeEventListener("abort", onAbort);
          reject(error);
        },
      };
      this.waiters.add(waiter);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** The end offset moved: wake everyone now behind it. */
  advance(endOffset: number): void {
    for (const waiter of this.waiters) {
      if (endOffset > waiter.offset) {
        this.waiters.delete(waiter);
        waiter.resolve();
      }
    }
  }

  failAll(error: unknown): void {
    for (const waiter of this.waiters) waiter.reject(error);
    this.waiters.clear();
  }
}
