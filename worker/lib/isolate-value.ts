// A value an isolate keeps for every request it serves (the live rules, a site's offer rates),
// refreshed by the request that finds it stale. It holds the value, never a promise that requests
// share: workerd runs each request, and each Durable Object, in a context of its own, and a request
// that awaits a promise another context started is refused ("Cannot perform I/O on behalf of a
// different Durable Object") or, when that context ends first, hangs until the runtime answers 500
// for it. The api bench met both under load, at the moments a refresh came due. So while one
// request refreshes, the others go on with the value as it was; with no value yet, each loads its own.

/** How long a refresh may run before another request starts one too (the first may have been canceled). */
const REFRESH_GRACE_MS = 2_000;

export interface Loaded<T> {
  value: T;
  /** Fresh until then (ms since the epoch). */
  until: number;
}

export class IsolateValue<T> {
  private held: Loaded<T> | undefined;
  private refreshingSince = -Infinity;

  /** The value, loaded by this request (with `load`, given the stale value if any) when it is due. */
  async get(now: number, load: (stale: T | undefined) => Promise<Loaded<T>>): Promise<T> {
    const held = this.held;
    if (held && (now < held.until || now - this.refreshingSince < REFRESH_GRACE_MS)) return held.value;
    this.refreshingSince = now;
    try {
      this.held = await load(held?.value);
      return this.held.value;
    } finally {
      this.refreshingSince = -Infinity;
    }
  }

  /** The next request loads it again, even while another refresh runs. */
  invalidate(): void {
    if (this.held) this.held = { ...this.held, until: 0 };
    this.refreshingSince = -Infinity;
  }
}
