// Where collect's or decide's CPU goes inside the worker's isolate: a V8 CPU profile (the DevTools
// protocol that workerd serves for its isolates) of the readable build of test/bench/peers/floor.ts
// while autocannon sends the route, 10 connections, 200 visitors that collect has given a history.
//   npm run bench:profile -- --route decide --seconds 8
// (node --experimental-websocket: Node 20's WebSocket client is behind that flag.)
// Prints the functions with the most samples (self time), then the share of chosen functions with
// everything they call, then the runtime's own calls (SQLite's exec, the queue's send, …) by the
// function that made them. Shares are of the isolate's busy samples (idle left out); the profiler
// slows JavaScript more than the runtime's C++, so read them as a breakdown, not as timings.
import autocannon from 'autocannon';
import { createServer } from 'node:net';
import { parseArgs } from 'node:util';
import { collectBody, decideBody, startFloorWorker, USER_AGENT } from './peers/floor-worker.mjs';

const { values } = parseArgs({
  options: {
    route: { type: 'string', default: 'collect' },
    seconds: { type: 'string', default: '8' },
    top: { type: 'string', default: '25' },
  },
});
const paths = { collect: '/v1/collect', decide: '/v1/decide' };
const path = paths[values.route];
const seconds = Number(values.seconds);
const top = Number(values.top);
if (!path || !(seconds > 0) || !(top > 0)) {
  console.error(`bench:profile: --route collect|decide, --seconds and --top positive numbers (got ${JSON.stringify(values)})`);
  process.exit(2);
}
if (typeof WebSocket !== 'function') {
  console.error('bench:profile: run it with node --experimental-websocket (npm run bench:profile does)');
  process.exit(2);
}

/** Functions whose share with everything they call is printed: the parts of a collect and a decide. */
const PARTS = [
  'collect',
  'decide',
  'readJsonBody',
  'requestContext',
  'visitorHash',
  'store',
  'readMeta',
  'insertEvent',
  'saveState',
  'add',
  'decideFor',
  'applyEvent',
  'scheduleFlush',
  'alarm',
  'syncAudiences',
  'deliver',
  'confirm',
];

const freePort = () =>
  new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });

/** A DevTools protocol session over the isolate's WebSocket. */
async function devtools(url) {
  const socket = new WebSocket(url);
  await new Promise((resolve, reject) => ((socket.onopen = resolve), (socket.onerror = reject)));
  let next = 0;
  const waiting = new Map();
  socket.onmessage = ({ data }) => {
    const message = JSON.parse(String(data));
    if (message.id !== undefined) waiting.get(message.id)?.(message.result);
  };
  return {
    send: (method, params = {}) =>
      new Promise((resolve) => {
        waiting.set(++next, resolve);
        socket.send(JSON.stringify({ id: next, method, params }));
      }),
    close: () => socket.close(),
  };
}

let sequence = 0;
const body = (route) => (route === '/v1/decide' ? decideBody : collectBody)(`profile-visitor-${sequence++ % 200}`);

const load = (route, duration) =>
  new Promise((resolve, reject) =>
    autocannon(
      {
        url: worker.url,
        connections: 10,
        duration,
        requests: [
          {
            method: 'POST',
            path: route,
            headers: { 'content-type': 'text/plain', 'user-agent': USER_AGENT },
            setupRequest: (request) => ({ ...request, body: body(route) }),
          },
        ],
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    ),
  );

function report(profile, requests) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const hits = new Map();
  for (const id of profile.samples) hits.set(id, (hits.get(id) ?? 0) + 1);
  const idle = [...hits].filter(([id]) => byId.get(id).callFrame.functionName === '(idle)').reduce((n, [, c]) => n + c, 0);
  const busy = profile.samples.length - idle;
  const share = (count) => `${((100 * count) / busy).toFixed(1).padStart(5)}%`;
  const name = ({ callFrame }) =>
    callFrame.url
      ? `${callFrame.functionName || '(anonymous)'} :${callFrame.lineNumber + 1}`
      : callFrame.functionName || '(the runtime, unnamed)';

  const self = new Map();
  const inclusive = new Map();
  const native = new Map();
  for (const [id, count] of hits) {
    const leaf = byId.get(id);
    if (leaf.callFrame.functionName === '(idle)') continue;
    self.set(name(leaf), (self.get(name(leaf)) ?? 0) + count);
    const seen = new Set();
    let caller;
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const node = byId.get(at);
      seen.add(node.callFrame.functionName);
      if (at !== id && !caller && node.callFrame.url) caller = name(node);
    }
    for (const fn of seen) inclusive.set(fn, (inclusive.get(fn) ?? 0) + count);
    if (!leaf.callFrame.url && caller) {
      const key = `${leaf.callFrame.functionName} ← ${caller}`;
      native.set(key, (native.get(key) ?? 0) + count);
    }
  }
  console.log(`profile_requests: ${requests} in ${seconds} s; ${busy} busy samples of ${profile.samples.length}`);
  console.log(`\nself time, share of busy samples (top ${top}):`);
  for (const [fn, count] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${share(count)}  ${fn}`);
  console.log('\nwith everything they call:');
  for (const fn of PARTS) if (inclusive.has(fn)) console.log(`${share(inclusive.get(fn))}  ${fn}`);
  console.log(`\nthe runtime's calls, by the function that made them (top ${top}):`);
  for (const [key, count] of [...native].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${share(count)}  ${key}`);
}

const inspectorPort = await freePort();
const worker = await startFloorWorker({ minify: false, inspectorPort });
try {
  const isolates = await (await fetch(`http://127.0.0.1:${inspectorPort}/json`)).json();
  // Miniflare names the worker's own isolate after its name in wrangler.toml; the rest are its plumbing.
  const isolate = isolates.find(({ title }) => title.includes('core:user:'));
  if (!isolate) throw new Error(`no worker isolate among ${isolates.map(({ title }) => title).join(', ')}`);
  await load('/v1/collect', 3); // every visitor with a history, the alarms and the queue running
  const session = await devtools(isolate.webSocketDebuggerUrl);
  await session.send('Profiler.enable');
  await session.send('Profiler.setSamplingInterval', { interval: 200 });
  await session.send('Profiler.start');
  const result = await load(path, seconds);
  const { profile } = await session.send('Profiler.stop');
  session.close();
  report(profile, result.requests.total);
} finally {
  await worker.stop();
}
