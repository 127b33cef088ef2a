// A token bucket: `capacity` requests at once, refilled at `perSecond`. Kept in the Durable
// Object's memory: exact for its one visitor, reset when the object is evicted (harmless).
export class TokenBucket {
  private tokens: number;
  private updated: number;

  constructor(
    private readonly capacity: number,
    private readonly perSecond: number,
    now: number,
  ) {
    this.tokens = capacity;
    this.updated = now;
  }

  /** Takes one token; returns 0 when granted, else the seconds until one is available. */
  take(now: number): number {
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.updated) / 1000) * this.perSecond);
    this.updated = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - this.tokens) / this.perSecond);
  }
}
