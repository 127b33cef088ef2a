// The time D1 spent on a request's queries, from each result's `meta.duration` (the database's own
// figure, not the round trip), for a Server-Timing header: browsers' devtools show it, and
// `npm run bench:dashboard` separates the database's time from the worker's CPU with it.
export interface TimedD1 {
  db: D1Database;
  /** Milliseconds D1 reported for the batches run through `db` so far. */
  elapsed(): number;
}

export function timedD1(db: D1Database): TimedD1 {
  let total = 0;
  const timed = new Proxy(db, {
    get(target, property) {
      if (property !== 'batch') {
        const value = Reflect.get(target, property);
        return typeof value === 'function' ? value.bind(target) : value;
      }
      return async (statements: D1PreparedStatement[]) => {
        const results = await target.batch(statements);
        for (const result of results) total += result.meta?.duration ?? 0;
        return results;
      };
    },
  });
  return { db: timed, elapsed: () => total };
}

/** The Server-Timing value for the D1 time. */
export const d1ServerTiming = (ms: number) => `d1;dur=${ms.toFixed(1)};desc="D1 queries"`;
