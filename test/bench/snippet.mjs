// Snippet cost: the size of dist/nb.js gzip and brotli (as served), beside Plausible's tracker, and
// the main-thread CPU time each adds to a page load in Chromium, with Plausible's tracker as the peer.
// The page is the demo's home page (dist/demo/index.html, with its CSS and its own script) in three
// copies: with the Nextbest tag, with Plausible's tracker in its place, and blank (neither). The
// figure is Chromium's Performance metric TaskDuration (CDP Performance.getMetrics) counted in the
// main thread's CPU time (timeDomain threadTicks, so a wait for a busy core is not counted) less
// DevToolsCommandDuration (the bench's own CDP commands): every task on the page's main thread, so
// compiling and running the script, its microtasks, timers, storage and IndexedDB callbacks, the
// banner module, style, layout and paint. It is read once the page has settled, and the blank copy's
// figure of the same round is subtracted. Chromium keeps the metric per document: it restarts when a
// navigation commits (checked below), so a page's unload handlers count for neither tracker.
// Settled: the snippet's page view has been answered with a decision that carries a slot banner, the
// banner renderer (nb-banners.js) has been loaded and has rendered it, and its impression has been
// sent; Plausible's page view has been answered (202); then a quiet spell. Every copy is measured
// over the same WINDOW_MS from navigation, longer only if its tracker's requests came too late.
// Two cases: first visit (a fresh browser context, empty storage and cache) and next page (the same
// page loaded again in that context: storage written, scripts revalidated from the HTTP cache).
// Rounds are interleaved (blank, snippet, Plausible; the next round in reverse order), after one
// warm-up round that is not counted; each figure is the median with min–max over the rounds, and the
// ratio is the snippet's median over Plausible's. The load average is printed beside them: CPU time
// excludes waiting for a core, but a busy machine still slows the same work (caches, frequency).
// A local server on 127.0.0.1 serves everything and stands in for both collectors (nothing leaves
// the machine); the trackers' scripts go out with an ETag and the worker's caching of the tag (an
// hour, then revalidated in the background), the same for both, the page's own files as static
// assets (max-age=0, must-revalidate).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { launchChromium } from '../../worker/scripts/chromium.mjs';
import { load, summary } from './stats.mjs';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const WINDOW_MS = 2500;
const QUIET_MS = 500;

const gzip = (code) => gzipSync(code, { level: 9 }).length;
const brotli = (code) => brotliCompressSync(code, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
// Another build can be measured by naming it: node test/bench/snippet.mjs path/to/nb.js
const snippet = readFileSync(process.argv[2] ?? 'dist/nb.js');
const plausible = readFileSync(fileURLToPath(import.meta.resolve('@plausible-analytics/tracker')));
console.log(`snippet_gzip_bytes: ${gzip(snippet)} bytes`);
console.log(`snippet_brotli_bytes: ${brotli(snippet)} bytes`);
console.log(`plausible_gzip_bytes: ${gzip(plausible)} bytes (@plausible-analytics/tracker, brotli ${brotli(plausible)})`);

if (!existsSync('dist/demo/index.html')) throw new Error('dist/demo/index.html is missing: run `npm run build` first');
const demo = readFileSync('dist/demo/index.html', 'utf8');
// The tag and its queue stub, as the demo page carries them.
const tag = /<script async src="\.\.\/nb\.js"[^>]*><\/script>\s*<script>\s*window\.nb =[\s\S]*?<\/script>/;
if (!tag.test(demo)) throw new Error('dist/demo/index.html does not carry the Nextbest tag where this bench expects it');
// Plausible's npm package ships only an ES module (no script-tag build reading data-domain), so the
// page loads it as its README says: a module script that imports it and calls init(). A module
// script is deferred, as Plausible's own script tag is. The tracker ignores browsers driven by
// automation (navigator.webdriver) unless window.__plausible is set, which is what its own tests
// do, and pages on 127.0.0.1 unless captureOnLocalhost.
const plausibleTag = `<script type="module">
      import { init } from '../plausible.js';
      window.__plausible = true;
      init({ domain: 'demo.example', endpoint: '/api/event', captureOnLocalhost: true });
    </script>`;
const pages = {
  '/demo/snippet.html': demo,
  '/demo/plausible.html': demo.replace(tag, plausibleTag),
  '/demo/blank.html': demo.replace(tag, ''),
};

// The decision the worker answers for the demo's "welcome-back" offer in the hero slot (the demo
// home page's slot), with the site's theme: the shape of worker/schema/collect.ts CollectResponse.
const rules = JSON.parse(readFileSync('rules/demo.json', 'utf8'));
const welcome = rules.offers.find((offer) => offer.id == 'welcome-back');
const answer = (accepted) =>
  JSON.stringify({
    accepted,
    duplicates: 0,
    rejected: [],
    decisions: {
      vid: 'bench-visitor',
      stage: 'anonymous',
      segments: [],
      score: { total: 12, products: { mortgage: 12 } },
      offers: [
        {
          slot: 'hero',
          offer: welcome.id,
          holdout: false,
          banner: welcome.banner,
          reasons: ['returning visitor (2 page views)'],
        },
      ],
      audiences: { join: [], leave: [] },
      theme: rules.theme,
    },
  });

const files = {
  '/nb.js': snippet,
  '/nb-banners.js': readFileSync('dist/nb-banners.js'),
  '/nb-identify.js': readFileSync('dist/nb-identify.js'),
  '/nb-outbox.js': readFileSync('dist/nb-outbox.js'),
  '/plausible.js': plausible,
  '/demo/style.css': readFileSync('dist/demo/style.css'),
  '/demo/demo.js': readFileSync('dist/demo/demo.js'),
};
const types = { css: 'text/css', js: 'text/javascript' };
// The trackers' scripts as the worker serves the tag and its modules (worker/routes/snippet.ts), the
// same for both; the page's own files as Cloudflare's static assets go out by default.
const TRACKER_CACHE = 'public, max-age=3600, stale-while-revalidate=86400';
const PAGE_CACHE = 'public, max-age=0, must-revalidate';
const server = createServer((request, response) => {
  const { pathname } = new URL(request.url, 'http://127.0.0.1');
  if (pathname == '/v1/collect' || pathname == '/api/event') {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    return request.on('end', () => {
      if (pathname == '/api/event') return response.writeHead(202, { 'content-type': 'text/plain' }).end('ok');
      response.writeHead(200, { 'content-type': 'application/json' }).end(answer(JSON.parse(body).events.length));
    });
  }
  if (pages[pathname]) return response.writeHead(200, { 'content-type': 'text/html' }).end(pages[pathname]);
  const file = files[pathname];
  if (!file) return response.writeHead(404).end();
  const etag = `"${createHash('sha1').update(file).digest('hex')}"`;
  const headers = { etag, 'cache-control': pathname.startsWith('/demo/') ? PAGE_CACHE : TRACKER_CACHE };
  if (request.headers['if-none-match'] == etag) return response.writeHead(304, headers).end();
  response.writeHead(200, { ...headers, 'content-type': types[pathname.split('.').pop()] }).end(file);
});
await new Promise((listening) => server.listen(0, '127.0.0.1', listening));
const origin = `http://127.0.0.1:${server.address().port}`;

// What each copy waits for before its quiet spell: seen from the browser process (Playwright's
// network events), so that waiting adds nothing to the page's main thread.
const body = (request) => request.postData() ?? '';
const settled = {
  blank: () => Promise.resolve(),
  // The impression is sent once the banner is on screen: the decision was answered and rendered.
  snippet: (page) => page.waitForRequest((r) => r.url().endsWith('/v1/collect') && body(r).includes('"impression"')),
  plausible: (page) => page.waitForResponse((r) => r.url().endsWith('/api/event') && body(r.request()).includes('"pageview"')),
};

/**
 * The page's main-thread CPU milliseconds so far, less the time spent answering DevTools commands:
 * `task` in all, and `script` of it running JavaScript (compiling it, and the browser calls it makes).
 */
const taskMs = async (cdp) => {
  const { metrics } = await cdp.send('Performance.getMetrics');
  const seconds = Object.fromEntries(metrics.map(({ name, value }) => [name, value]));
  return { task: (seconds.TaskDuration - seconds.DevToolsCommandDuration) * 1000, script: seconds.ScriptDuration * 1000 };
};

/** Loads `name`'s copy in `page` and answers its main-thread milliseconds once it has settled. */
async function visit(page, cdp, name, before) {
  const start = Date.now();
  const done = settled[name](page);
  await page.goto(`${origin}/demo/${name}.html`, { waitUntil: 'commit' });
  // The metric restarts with each document; were it to go on adding up, the figures would be wrong.
  if (before !== undefined && (await taskMs(cdp)).task >= before.task)
    throw new Error('TaskDuration did not restart with the new document: this Chromium keeps it per page, not per document');
  await page.waitForLoadState('load');
  await done;
  const wait = Math.max(QUIET_MS, start + WINDOW_MS - Date.now());
  await new Promise((resolve) => setTimeout(resolve, wait));
  return taskMs(cdp);
}

/** One visitor: a fresh context, the first visit, then the next page. */
async function visitor(browser, name) {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable', { timeDomain: 'threadTicks' });
    const first = await visit(page, cdp, name);
    return { first, next: await visit(page, cdp, name, first) };
  } finally {
    await context.close();
  }
}

const names = ['blank', 'snippet', 'plausible'];
const ms = Object.fromEntries(names.map((name) => [name, { first: [], next: [] }]));
const loads = [];
const browser = await launchChromium();
try {
  // The warm-up round: the first contexts of a browser pay for starting its services.
  for (const name of names) await visitor(browser, name);
  for (let round = 0; round < ROUNDS; round++) {
    loads.push(Number(load()));
    for (const name of round % 2 ? [...names].reverse() : names) {
      const { first, next } = await visitor(browser, name);
      ms[name].first.push(first);
      ms[name].next.push(next);
    }
  }
} finally {
  await browser.close();
  server.close();
}

const l = summary(loads, 2).text;
for (const [key, label] of [
  ['first', 'first_visit'],
  ['next', 'next_page'],
]) {
  // Each round's tracker minus that round's blank copy.
  const added = (name, part = 'task') =>
    summary(
      ms[name][key].map((value, round) => value[part] - ms.blank[key][round][part]),
      2,
    );
  const own = added('snippet');
  const peer = added('plausible');
  const [ownScript, peerScript] = [added('snippet', 'script'), added('plausible', 'script')];
  const target = key == 'first' ? 1.2 : 1.0;
  console.log(`snippet_boot_cpu_ms_${label}: ${own.text} ms, median (min–max) of ${ROUNDS} rounds, load average ${l}`);
  console.log(`plausible_boot_cpu_ms_${label}: ${peer.text} ms, same rounds`);
  const ratio = peer.median > 0 ? `${(own.median / peer.median).toFixed(2)} x` : "n/a (Plausible's median is not above zero)";
  console.log(`snippet_boot_cpu_vs_plausible_${label}: ${ratio} (target ≤ ${target})`);
  // The rest of the added time is the browser's own work for the tracker: loading its files,
  // answering its requests and storage, style, layout and paint of what it adds to the page.
  console.log(
    `snippet_boot_script_ms_${label}: ${ownScript.text} ms of it running JavaScript; Plausible's ${peerScript.text} ms`,
  );
  console.log(
    `blank_page_cpu_ms_${label}: ${
      summary(
        ms.blank[key].map(({ task }) => task),
        1,
      ).text
    } ms, the page without a tracker (subtracted)`,
  );
}
