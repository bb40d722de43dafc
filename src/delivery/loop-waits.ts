/**
 * What a background loop (a delivery loop, a Kinesis source pump) shares with its callers: whenIdle() promises,
 * settled once a whole pass begun after the call has found nothing to do, and wake-ups that cut the loop's wait
 * short (a new definition, a whenIdle(), a stop).
 */
import { sleep } from "../util/sleep.js";

export class LoopWaits {
  /** whenIdle() callers that registered before the current pass began: settled when it finds nothing to do. */
  private idleWaiters: Array<() => void> = [];
  /** whenIdle() callers that registered during the current pass: they need one more pass. */
  private pendingIdleWaiters: Array<() => void> = [];
  private wake: AbortController | null = null;

  /** Settles when the loop is next idle; wakes it so that it looks. */
  whenIdle(): Promise<void> {
    const idle = new Promise<void>((resolve) => this.pendingIdleWaiters.push(resolve));
    this.wakeUp();
    return idle;
  }

  /** Ends the wait under way, if any. */
  wakeUp(): void {
    this.wake?.abort();
  }

  /** Called as a pass begins: the callers so far are answered by this pass. */
  passBegins(): void {
    this.idleWaiters.push(...this.pendingIdleWaiters);
    this.pendingIdleWaiters = [];
  }

  /**
   * Called when a pass found nothing to do: settles its callers and says true, or says false when callers came
   * during the pass (the loop makes one more before waiting).
   */
  settleIfIdle(): boolean {
    if (this.pendingIdleWaiters.length > 0) return false;
    for (const resolve of this.idleWaiters) resolve();
    this.idleWaiters = [];
    return true;
  }

  /** Called when the loop has ended: nothing is left to wait for. */
  settleAll(): void {
    for (const resolve of [...this.idleWaiters, ...this.pendingIdleWaiters]) resolve();
    this.idleWaiters = [];
    this.pendingIdleWaiters = [];
  }

  /** Runs `wait` with a signal that wakeUp() aborts. */
  async wakeable(wait: (signal: AbortSignal) => Promise<void>): Promise<void> {
    const wake = new AbortController();
    this.wake = wake;
    try {
      await wait(wake.signal);
    } finally {
      this.wake = null;
    }
  }

  /** Waits out a retry delay, or until wakeUp(). whenIdle() callers keep waiting: a loop retrying is not idle. */
  pause(ms: number): Promise<void> {
    return this.wakeable((signal) => sleep(ms, signal));
  }
}
