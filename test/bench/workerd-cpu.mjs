// What the benches that drive the worker on Miniflare read besides wall time: the CPU of the workerd
// process Miniflare started (the worker, its Durable Objects and local D1 all run there, so it is an
// upper bound of any one of them), the wait until its background work is done, and the median of a
// few runs.
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** workerd's CPU time (user + system) in ms: the child processes of this Node process named workerd. */
export function workerdCpuMs() {
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

/**
 * Waits until workerd has used under 15 ms of CPU in each of `quietSeconds` seconds in a row (what
 * requests leave behind: the visitors' alarms, the queue, the consumer's D1 writes), or a minute has
 * passed (then says so); answers the CPU it used meanwhile, in ms.
 */
export async function untilIdle(quietSeconds) {
  const start = workerdCpuMs();
  let last = start;
  for (let quiet = 0, seconds = 0; quiet < quietSeconds; seconds++) {
    if (seconds === 60) {
      console.error(`workerd still busy after ${seconds} s (${Math.round(last - start)} ms of CPU); going on`);
      break;
    }
    await sleep(1000);
    const now = workerdCpuMs();
    quiet = now - last < 15 ? quiet + 1 : 0;
    last = now;
  }
  return last - start;
}

export const median = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];
