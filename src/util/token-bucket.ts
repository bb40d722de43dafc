/**
 * Rate limits as token buckets (Kinesis per-shard limits, Firehose ingest quotas): each holds one second's
 * allowance and refills continuously, so a caller can burst up to the per-second limit and sustain exactly that
 * rate. Time comes from the injected clock.
 */
import type { Clock } from "./clock.js";

export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly perSecond: number,
    private readonly clock: Clock,
  ) {
    this.tokens = perSecond;
    this.updatedAt = clock.now();
  }

  /** Takes `amount` tokens if they are all there; takes nothing otherwise. */
  tryTake(amount: number): boolean {
    this.refill();
    if (amount > this.tokens) return false;
    this.tokens -= amount;
    return true;
  }

  /** Takes `amount` even if it leaves the bucket in debt (a read whose size is only known after it ran). */
  charge(amount: number): void {
    this.refill();
    this.tokens -= amount;
  }

  available(): number {
    this.refill();
    return this.tokens;
  }

  private refill(): void {
    const now = this.clock.now();
    this.tokens = Math.min(this.perSecond, this.tokens + ((now - this.updatedAt) / 1000) * this.perSecond);
    this.updatedAt = now;
  }
}
