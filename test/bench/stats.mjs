// What every interleaved bench prints: the median with min–max of a list, and the load average.
import { loadavg } from 'node:os';

export function summary(list, digits = 1) {
  const sorted = [...list].sort((a, b) => a - b);
  const median = sorted.length % 2 ? sorted[sorted.length >> 1] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
  return { median, text: `${median.toFixed(digits)} (${sorted[0].toFixed(digits)}–${sorted.at(-1).toFixed(digits)})` };
}

export const load = () => loadavg()[0].toFixed(2);
