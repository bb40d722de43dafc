import type { Segment } from "./segment.js";

/**
 * Bounds how many sealed segments keep their index in memory, least recently used out first, so memory does not
 * grow with retained data. Active segments always keep theirs and are never counted here.
 */
export class IndexCache {
  private readonly segments = new Set<Segment>();

  constructor(private readonly capacity: number) {}

  touch(segment: Segment): void {
    this.segments.delete(segment);
    this.segments.add(segment);
    if (this.segments.size <= this.capacity) return;
    const oldest = this.segments.values().next().value!;
    this.segments.delete(oldest);
    if (!oldest.isActive) oldest.index = null;
  }

  forget(segment: Segment): void {
    this.segments.delete(segment);
  }
}
