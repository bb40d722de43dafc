/**
 * A readers–writer gate: many `shared` sections run together; an `exclusive` section waits for them to finish and
 * keeps new ones out until it is done. Used so a reshard never closes a shard under an in-flight append.
 */
export class Gate {
  private active = 0;
  private exclusiveHeld = false;
  private readonly queue: Array<{ exclusive: boolean; start: () => void }> = [];

  shared<T>(section: () => Promise<T>): Promise<T> {
    return this.run(false, section);
  }

  exclusive<T>(section: () => Promise<T>): Promise<T> {
    return this.run(true, section);
  }

  /**
   * Chained rather than awaited: an async function would hold `section` (and whatever it holds, such as a
   * request's records) until the section ends, where this lets go of it once it is called.
   */
  private run<T>(exclusive: boolean, section: () => Promise<T>): Promise<T> {
    return this.enter(exclusive)
      .then(section)
      .finally(() => this.leave(exclusive));
  }

  private enter(exclusive: boolean): Promise<void> {
    const waitingExclusive = this.queue.some((waiter) => waiter.exclusive);
    if (!this.exclusiveHeld && (exclusive ? this.active === 0 : !waitingExclusive)) {
      this.take(exclusive);
      return Promise.resolve();
    }
    return new Promise((resolve) => this.queue.push({ exclusive, start: resolve }));
  }

  private take(exclusive: boolean): void {
    if (exclusive) this.exclusiveHeld = true;
    else this.active++;
  }

  private leave(exclusive: boolean): void {
    if (exclusive) this.exclusiveHeld = false;
    else this.active--;
    while (this.queue.length > 0 && !this.exclusiveHeld) {
      const next = this.queue[0]!;
      if (next.exclusive && this.active > 0) return;
      this.queue.shift();
      this.take(next.exclusive);
      next.start();
      if (next.exclusive) return;
    }
  }
}
