// What the benches that drive the worker on Miniflare read besides wall time: the CPU of the workerd
// process Miniflare started (the worker, its Durable Objects and local D1 all run there, so it is an
// upper bound of any one of them), and the median of a few runs.
import { readdirSync, readFileSync } from 'node:fs';

/** workerd's CPU time (user + system) in ms: the child processes of this Node process named workerd. */
export function workerdCpuMs(): number {
  const pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  let total = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      // /proc counts in 10 ms ticks: one run reads a coarse figure, the median of several is steadier.
      if (comm === 'workerd' && Number(fields[1]) === process.pid)
        total += ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
    } catch {
      // a process that ended meanwhile
    }
  }
  return total;
}

export const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];
