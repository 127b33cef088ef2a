// Time arithmetic shared by scoring, caps and audiences. Days are UTC days: caps reset at 00:00 UTC.
export const HOUR = 3_600_000;
export const DAY = 86_400_000;

export function dayOf(at: number): number {
  return Math.floor(at / DAY);
}

/** The factor by which points shrink over `elapsed` ms: 2^(−elapsed / half-life). */
export function decayFactor(elapsed: number, halfLifeDays: number): number {
  return Math.pow(2, -elapsed / (halfLifeDays * DAY));
}
