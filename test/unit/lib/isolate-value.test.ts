// IsolateValue never hands one request a promise that another started (workerd refuses or cancels
// such a wait when the two run in different contexts): a request either gets the value held, or
// loads it itself.
import { describe, expect, it } from 'vitest';
import { IsolateValue } from '../../../worker/lib/isolate-value';

/** A load that resolves when told to, counting its calls. */
function gate<T>() {
  const calls: Array<(value: T, until: number) => void> = [];
  const load = () =>
    new Promise<{ value: T; until: number }>((resolve) => calls.push((value, until) => resolve({ value, until })));
  return { load, calls };
}

describe('IsolateValue', () => {
  it('with no value yet, has each request load its own', async () => {
    const cache = new IsolateValue<string>();
    const { load, calls } = gate<string>();
    const first = cache.get(0, load);
    const second = cache.get(0, load);
    await Promise.resolve();
    expect(calls).toHaveLength(2);
    calls[1]('second', 100);
    expect(await second).toBe('second');
    calls[0]('first', 100);
    expect(await first).toBe('first');
  });

  it('while one request refreshes a stale value, answers the others at once with the value held', async () => {
    const cache = new IsolateValue<string>();
    expect(await cache.get(0, async () => ({ value: 'old', until: 10 }))).toBe('old');
    const { load, calls } = gate<string>();
    const refreshing = cache.get(20, load);
    // Not waiting for the refresh: the other request never awaits it.
    expect(await cache.get(21, load)).toBe('old');
    expect(calls).toHaveLength(1);
    calls[0]('new', 100);
    expect(await refreshing).toBe('new');
    expect(await cache.get(22, load)).toBe('new');
  });

  it('lets another request refresh when one has run past the grace (it may have been canceled)', async () => {
    const cache = new IsolateValue<string>();
    await cache.get(0, async () => ({ value: 'old', until: 10 }));
    const { load, calls } = gate<string>();
    void cache.get(20, load);
    const later = cache.get(20 + 2_000, load);
    await Promise.resolve();
    expect(calls).toHaveLength(2);
    calls[1]('new', 5_000);
    expect(await later).toBe('new');
  });

  it('passes the stale value to the load, keeps the value when a load throws, and loads again after invalidate', async () => {
    const cache = new IsolateValue<string>();
    await cache.get(0, async () => ({ value: 'v1', until: 10 }));
    let given: string | undefined;
    await expect(
      cache.get(20, async (stale) => {
        given = stale;
        throw new Error('D1 down');
      }),
    ).rejects.toThrow('D1 down');
    expect(given).toBe('v1');
    expect(await cache.get(21, async () => ({ value: 'v2', until: 1_000 }))).toBe('v2');
    cache.invalidate();
    expect(await cache.get(22, async () => ({ value: 'v3', until: 1_000 }))).toBe('v3');
  });
});
