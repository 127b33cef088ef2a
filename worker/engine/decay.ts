// Score decay: points halve every half-life.
import { DAY_MS } from '../lib/time';

/** The factor by which points shrink over `elapsed` ms: 2^(−elapsed / half-life). */
export function decayFactor(elapsed: number, halfLifeDays: number): number {
  return Math.pow(2, -elapsed / (halfLifeDays * DAY_MS));
}
