// Snippet cost: the size of dist/nb.js gzip and brotli (as served), and its boot time on the demo
// page in Chromium: main-thread milliseconds spent in nb.js's own run plus every task it chains
// from there without a deliberate delay (zero-delay timeouts, idle callbacks, DOMContentLoaded and
// load listeners, recursively, until the page view has been handed to fetch or sendBeacon: tag
// read, queue drained, ids, listeners, the page view built and sent), measured with
// performance.now() around each. Two figures per visit: the total, and the longest single task
// (what a long-task budget is about; a boot split over several tasks has a total above its longest
// task). Each figure is the least over several loads (fresh profile each; the two may come from
// different loads), since other processes on the machine can only ever add to it; `--tasks` prints
// every load's tasks. Everything is served by request interception, so no worker is needed and
// nothing leaves the machine.
import { existsSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';

const RUNS = 9;
const ORIGIN = 'http://nextbest.bench';
// Another build can be measured by naming it: node test/bench/snippet.mjs path/to/nb.js [--tasks]
const code = readFileSync(process.argv.slice(2).find((arg) => !arg.startsWith('--')) ?? 'dist/nb.js');
console.log(`snippet_gzip_bytes: ${gzipSync(code, { level: 9 }).length} bytes`);
console.log(`snippet_brotli_bytes: ${brotliCompressSync(code, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length} bytes`);

// The demo page when it is built, else a stand-in with the same tag and a slot.
const demo = existsSync('dist/demo/index.html') && /nb\.js/.test(readFileSync('dist/demo/index.html', 'utf8'))
  ? readFileSync('dist/demo/index.html', 'utf8')
  : '<!doctype html><title>Rates</title><div data-nb-slot="hero">Hero</div>' +
    '<script async src="/nb.js" data-site="demo"></script><script>window.nb=window.nb||function(){(nb.q=nb.q||[]).push(arguments)}</script>';
// Times the script and the tasks it schedules without a delay (recursively), until the page view
// has been handed to fetch or sendBeacon and no such task is left. A fixed time window would miss
// the later tasks of a slow load and report a part of the boot as all of it. The snippet runs
// outside the timer's own scope, so that its globals (fetch…) are the page's, not the timer's names.
const timed = `(() => {
  const schedule = window.setTimeout;
  const idle = window.requestIdleCallback;
  const listen = EventTarget.prototype.addEventListener;
  const fetch = window.fetch;
  const beacon = navigator.sendBeacon;
  let total = 0;
  let longest = 0;
  let waiting = 0; // tasks scheduled and not yet run
  let sent = false;
  const tasks = [];
  const finish = () => {
    window.setTimeout = schedule;
    window.requestIdleCallback = idle;
    window.fetch = fetch;
    navigator.sendBeacon = beacon;
    delete window.addEventListener;
    delete document.addEventListener;
    window.__nbBoot = { total, longest, tasks };
  };
  const timed = (run, once = true) => typeof run != 'function' ? run : ((waiting += once), function () {
    const start = performance.now();
    try { return run.apply(this, arguments); } finally {
      const spent = performance.now() - start;
      total += spent;
      longest = Math.max(longest, spent);
      tasks.push(+spent.toFixed(2));
      if (once) waiting--;
      if (sent && !waiting && !window.__nbBoot) finish();
    }
  });
  window.setTimeout = function (run, ms, ...args) {
    return schedule.call(window, !(ms > 0) ? timed(run) : run, ms, ...args);
  };
  window.requestIdleCallback = (run, options) => idle.call(window, timed(run), options);
  window.fetch = function (input) { sent ||= String(input).endsWith('/v1/collect'); return fetch.apply(this, arguments); };
  navigator.sendBeacon = function (url) { sent ||= String(url).endsWith('/v1/collect'); return beacon.apply(this, arguments); };
  const boot = ['DOMContentLoaded', 'load', 'readystatechange'];
  for (const target of [window, document]) {
    target.addEventListener = function (type, run, options) {
      return listen.call(this, type, boot.includes(type) ? timed(run) : run, options);
    };
  }
  // A boot that never sends its page view ends here, reported as such.
  schedule(() => window.__nbBoot || (window.__nbBoot = { incomplete: true, sent, waiting, tasks }), 10_000);
  // The script's own run: not counted as waiting, since it is running now.
  window.__nbBenchRun = (run) => timed(run, false)();
})();
window.__nbBenchRun(function () {${code}
});`;
const types = { '.html': 'text/html', '.css': 'text/css', '.js': 'text/javascript', '.svg': 'image/svg+xml' };
const decision = { vid: 'x', stage: 'anonymous', segments: [], score: { total: 0, products: {} }, offers: [], audiences: { join: [], leave: [] } };

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
});
const first = []; // first visit: fresh profile, storage and crypto not yet used by the page's process
const warm = []; // the next page view of the same visitor
try {
  for (let run = 0; run < RUNS; run++) {
    const context = await browser.newContext();
    await context.route('**/*', (route) => {
      const { pathname } = new URL(route.request().url());
      if (pathname.endsWith('/nb.js')) return route.fulfill({ contentType: 'text/javascript', body: timed });
      if (pathname == '/v1/collect') {
        return route.fulfill({ contentType: 'application/json', body: JSON.stringify({ accepted: 1, duplicates: 0, rejected: [], decisions: decision }) });
      }
      if (pathname == '/demo/' || pathname == '/demo/index.html') return route.fulfill({ contentType: 'text/html', body: demo });
      const file = join('dist', pathname);
      if (existsSync(file) && !file.includes('..')) return route.fulfill({ contentType: types[extname(file)] ?? 'application/octet-stream', body: readFileSync(file) });
      return route.fulfill({ status: 404, body: '' });
    });
    const page = await context.newPage();
    for (const list of [first, warm]) {
      await page.goto(`${ORIGIN}/demo/`);
      const boot = await page.waitForFunction(() => window.__nbBoot, undefined, { timeout: 15_000 }).then((handle) => handle.jsonValue());
      if (boot.incomplete) throw new Error(`the boot did not end within 10 s: ${JSON.stringify(boot)}`);
      list.push(boot);
    }
    await context.close();
  }
} finally {
  await browser.close();
}
// --tasks: every visit's task durations in ms, in the order they ran (the script's own run first).
if (process.argv.includes('--tasks')) for (const [name, list] of [['first', first], ['warm', warm]]) for (const boot of list) console.log(`${name}: ${boot.tasks.join(' + ')}`);
const least = (list, key) => Math.min(...list.map((boot) => boot[key])).toFixed(2);
console.log(`snippet_boot_ms: ${least(first, 'total')} ms`);
console.log(`snippet_boot_longest_task_ms: ${least(first, 'longest')} ms`);
console.log(`snippet_boot_warm_ms: ${least(warm, 'total')} ms`);
console.log(`snippet_boot_warm_longest_task_ms: ${least(warm, 'longest')} ms`);
