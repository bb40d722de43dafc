/**
 * A readers–writer gate: many `shared` sections run together; an `exclusive` section waits for them to finish and
 * keeps new ones out until it is done. Used so a reshard never closes a shard under an in-flight append.
 */
export class Gate {
  private active = 0;
  private exclusiveHeld = false;
  private readonly queue: Array<{ exclusive: boolean; start: () => void }> = [];

  async shared<T>(section: () => Promise<T>): Promise<T> {
    await this.enter(false);
    try {
      return await section();
    } finally {
      this.leave(false);
    }
  }

  async exclusive<T>(section: () => Promise<T>): Promise<T> {
    await this.enter(true);
    try {
      return await section();
    } finally {
      this.leave(true);
    }
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
