// Snippet cost: the size of dist/nb.js gzip and brotli (as served), and its boot time on the demo
// page in Chromium: main-thread milliseconds spent in nb.js's own run plus every task it chains
// from there without a deliberate delay (zero-delay timeouts, idle callbacks, DOMContentLoaded and
// load listeners, recursively, until the page view has been handed to fetch or sendBeacon: tag
// read, queue drained, ids, listeners, the page view built and sent), measured with
// performance.now() around each. Per visit: the total; the longest single task (what a long-task
// budget is about); the time inside the browser calls the snippet cannot do without (storage,
// fetch, sendBeacon, IndexedDB, crypto), which wait on the browser process: a page's first storage
// read takes from 1 ms to, at times, over 100 ms on a busy machine; and the rest, "own": the
// snippet's JavaScript, plus any time the main thread waited for a CPU (a page load keeps two cores
// busy). The yardstick, a first storage read and fetch on a blank page, lets runs on different
// machines be compared. Each figure is the least over several loads (fresh profile each; figures
// may come from different loads), since other processes can only ever add to it; the median beside
// it shows how much they added. The READMEs quote the least. `--tasks` prints every load's tasks.
// A local server on 127.0.0.1 serves everything (no worker; nothing leaves the machine): request
// interception would load the browser process that the platform calls wait on.
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { launchChromium } from '../../worker/scripts/chromium.mjs';

const RUNS = 9;
// Another build can be measured by naming it: node test/bench/snippet.mjs path/to/nb.js [--tasks]
const code = readFileSync(process.argv.slice(2).find((arg) => !arg.startsWith('--')) ?? 'dist/nb.js');
console.log(`snippet_gzip_bytes: ${gzipSync(code, { level: 9 }).length} bytes`);
console.log(
  `snippet_brotli_bytes: ${brotliCompressSync(code, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length} bytes`,
);

// The demo page when it is built, else a stand-in with the same tag and a slot.
const demo =
  existsSync('dist/demo/index.html') && /nb\.js/.test(readFileSync('dist/demo/index.html', 'utf8'))
    ? readFileSync('dist/demo/index.html', 'utf8')
    : '<!doctype html><title>Rates</title><div data-nb-slot="hero">Hero</div>' +
      '<script async src="/nb.js" data-site="demo"></script><script>window.nb=window.nb||function(){(nb.q=nb.q||[]).push(arguments)}</script>';
// The yardstick: a fresh page's first storage read (at DOMContentLoaded, as the snippet's) and
// first fetch (a task later, as the snippet's page view).
const blank = `<!doctype html><title>Yardstick</title><script>
const time = (call) => { const start = performance.now(); call(); return performance.now() - start; };
addEventListener('DOMContentLoaded', () => {
  const read = time(() => localStorage.getItem('nb_consent'));
  setTimeout(() => {
    window.__yardstick = { read, fetch: time(() => fetch('/v1/collect', { method: 'POST', body: '{}', keepalive: true })) };
  });
});
</script>`;
// Times the script and the tasks it schedules without a delay (recursively), until the page view
// has been handed to fetch or sendBeacon and no such task is left. A fixed time window would miss
// the later tasks of a slow load and report a part of the boot as all of it. The snippet runs
// outside the timer's own scope, so that its globals (fetch…) are the page's, not the timer's names.
const timed = `(() => {
  const schedule = window.setTimeout;
  const idle = window.requestIdleCallback;
  const listen = EventTarget.prototype.addEventListener;
  let total = 0;
  let longest = 0;
  let platform = 0;
  let inside = 0; // ms in platform calls since the current task began
  let waiting = 0; // tasks scheduled and not yet run
  let sent = false;
  const tasks = []; // [own, platform] ms per task
  // The platform calls, methods and getters alike. The localStorage getter is one: its first call
  // asks the browser process, synchronously, whether the page may use storage.
  const restore = [
    [window, 'localStorage'], [Storage.prototype, 'getItem'], [Storage.prototype, 'setItem'],
    [Storage.prototype, 'removeItem'], [window, 'fetch'], [Navigator.prototype, 'sendBeacon'],
    [IDBFactory.prototype, 'open'], [Crypto.prototype, 'getRandomValues'], [SubtleCrypto.prototype, 'digest'],
  ].map(([owner, name]) => {
    const property = Object.getOwnPropertyDescriptor(owner, name);
    const key = property.get ? 'get' : 'value';
    const call = property[key];
    Object.defineProperty(owner, name, { ...property, [key]: function (url) {
      if (name == 'fetch' || name == 'sendBeacon') sent ||= String(url).endsWith('/v1/collect');
      const start = performance.now();
      try { return call.apply(this, arguments); } finally { inside += performance.now() - start; }
    } });
    return () => Object.defineProperty(owner, name, property);
  });
  const finish = () => {
    window.setTimeout = schedule;
    window.requestIdleCallback = idle;
    delete window.addEventListener;
    delete document.addEventListener;
    for (const undo of restore) undo();
    window.__nbBoot = { total, longest, platform, own: total - platform, tasks };
  };
  const timed = (run, once = true) => typeof run != 'function' ? run : ((waiting += once), function () {
    inside = 0;
    const start = performance.now();
    try { return run.apply(this, arguments); } finally {
      const spent = performance.now() - start;
      total += spent;
      longest = Math.max(longest, spent);
      platform += inside;
      tasks.push([spent - inside, inside].map((ms) => +ms.toFixed(2)));
      if (once) waiting--;
      if (sent && !waiting && !window.__nbBoot) finish();
    }
  });
  window.setTimeout = function (run, ms, ...args) {
    return schedule.call(window, !(ms > 0) ? timed(run) : run, ms, ...args);
  };
  window.requestIdleCallback = (run, options) => idle.call(window, timed(run), options);
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
const decision = {
  vid: 'x',
  stage: 'anonymous',
  segments: [],
  score: { total: 0, products: {} },
  offers: [],
  audiences: { join: [], leave: [] },
};
const collected = JSON.stringify({ accepted: 1, duplicates: 0, rejected: [], decisions: decision });

// Cross-origin isolated only so that performance.now() counts in 5 µs steps instead of 100 µs.
const isolated = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' };

const server = createServer((request, response) => {
  const { pathname } = new URL(request.url, 'http://127.0.0.1');
  const send = (type, body, status = 200) => response.writeHead(status, { ...isolated, 'content-type': type }).end(body);
  if (pathname == '/nb.js') return send('text/javascript', timed);
  if (pathname == '/v1/collect') return request.resume().on('end', () => send('application/json', collected));
  if (pathname == '/demo/') return send('text/html', demo);
  if (pathname == '/blank') return send('text/html', blank);
  const file = join('dist', pathname); // URL parsing has resolved every '..'
  readFile(file).then(
    (body) => send(types[extname(file)] ?? 'application/octet-stream', body),
    () => send('text/plain', '', 404),
  );
});
await new Promise((listening) => server.listen(0, '127.0.0.1', listening));
const origin = `http://127.0.0.1:${server.address().port}`;

const browser = await launchChromium();
const first = []; // first visit: fresh profile, storage and crypto not yet used by the page's process
const warm = []; // the next page view of the same visitor
const yardsticks = [];
const visit = async (page, path, global) => {
  await page.goto(origin + path);
  return page.waitForFunction(global, undefined, { timeout: 15_000 }).then((handle) => handle.jsonValue());
};
try {
  for (let run = 0; run < RUNS; run++) {
    let context = await browser.newContext();
    let page = await context.newPage();
    for (const list of [first, warm]) {
      const boot = await visit(page, '/demo/', () => window.__nbBoot);
      if (boot.incomplete) throw new Error(`the boot did not end within 10 s: ${JSON.stringify(boot)}`);
      list.push(boot);
    }
    await context.close();
    // In a fresh profile of its own, so that its storage read is the page's first as well.
    context = await browser.newContext();
    page = await context.newPage();
    yardsticks.push(await visit(page, '/blank', () => window.__yardstick));
    await context.close();
  }
} finally {
  await browser.close();
  server.close();
}
if (process.argv.includes('--tasks')) {
  console.log(`tasks, own + platform ms each, in the order they ran (the script's own run first):`);
  for (const [name, list] of [
    ['first', first],
    ['warm', warm],
  ]) {
    for (const boot of list) console.log(`${name}: ${boot.tasks.map((task) => task.join(' + ')).join(', ')}`);
  }
}
const sorted = (list, key) => list.map((item) => item[key]).sort((a, b) => a - b);
const least = (list, key) => sorted(list, key)[0].toFixed(2);
const median = (list, key) => sorted(list, key)[list.length >> 1].toFixed(2);
const figure = (list, key) => `${least(list, key)} ms (median ${median(list, key)} ms)`;
for (const [prefix, list] of [
  ['snippet_boot', first],
  ['snippet_boot_warm', warm],
]) {
  console.log(`${prefix}_ms: ${figure(list, 'total')}`);
  console.log(`${prefix}_longest_task_ms: ${figure(list, 'longest')}`);
  console.log(`${prefix}_own_ms: ${figure(list, 'own')}`);
  console.log(`${prefix}_platform_ms: ${figure(list, 'platform')}`);
}
console.log(`platform_yardstick_ms: first localStorage read ${figure(yardsticks, 'read')}, fetch ${figure(yardsticks, 'fetch')}`);
