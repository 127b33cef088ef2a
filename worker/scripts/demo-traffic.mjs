#!/usr/bin/env node
// `npm run demo:traffic`: simulated visitors for the demo lender site, posted to a running worker's
// /v1/collect as the snippet would (batches with page, form, track and offer events), spread over
// the past two weeks so the dashboard has history. Most visitors bounce, some read rates or use the
// calculator, fewer start the four-step application and fewer finish it; abandoners come back and
// are shown the "finish your application" banner unless the offer's holdout keeps it from them.
// Every offer an answer decides (unless held out) is shown, and some are clicked and converted.
//
//   node worker/scripts/demo-traffic.mjs [--url http://localhost:$PORT, default 8787] [--visitors 400] [--days 14]
//                                        [--max-seconds 90] [--seed 1]
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    url: { type: 'string', default: `http://localhost:${process.env.PORT || 8787}` },
    visitors: { type: 'string', default: '400' },
    days: { type: 'string', default: '14' },
    'max-seconds': { type: 'string', default: '90' },
    seed: { type: 'string', default: '1' },
  },
});
const base = args.url.replace(/\/+$/, '');
const visitors = Math.min(5000, Math.max(1, Number(args.visitors)));
const days = Math.min(60, Math.max(1, Number(args.days)));
const deadline = Date.now() + Math.min(600, Number(args['max-seconds'])) * 1000;
// Below the worker's per-address limit (600 requests per 10 s): this is one address.
const REQUESTS_PER_SECOND = 40;
const CONCURRENCY = 4;
const SITE = 'demo';
const PAGE = (path) => `${base}/demo/${path}`;
const STEPS = ['about-you', 'property', 'income', 'review'];
const USER_AGENT =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15';
const DAY = 86_400_000;
const MINUTE = 60_000;

// Mulberry32: the same seed gives the same visitors.
let state = Number(args.seed) >>> 0;
function random() {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = Math.imul(state ^ (state >>> 15), state | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const chance = (p) => random() < p;
const pick = (items) => items[Math.floor(random() * items.length)];
const id = (prefix) => `${prefix}_${Math.floor(random() * 2 ** 52).toString(36)}${Math.floor(random() * 2 ** 30).toString(36)}`;

// Plausible banner rates: a banner that picks up an abandoned application is clicked far more often
// than a generic one (variant b, "2 steps from your pre-approval", a little more than a). Its
// conversion is the finished application; other offers convert on a share of their clicks.
const CLICK_RATES = { 'finish-app/a': 0.4, 'finish-app/b': 0.5 };
const CLICK_RATE = 0.06;
const CONVERT_RATE = 0.2;
const DISMISS_RATE = 0.2;

const totals = { batches: 0, events: 0, impressions: 0, heldOut: 0, submitted: 0, failed: 0 };
let nextSlot = Date.now();

/** Waits for this request's turn at REQUESTS_PER_SECOND across all visitors. */
async function pace() {
  const at = Math.max(Date.now(), nextSlot);
  nextSlot = at + 1000 / REQUESTS_PER_SECOND;
  if (at > Date.now()) await new Promise((resolve) => setTimeout(resolve, at - Date.now()));
}

/** Posts one batch; events carry their (past) time, and sent_at now lets the worker place them. */
async function send(visitor, events, slots = []) {
  const body = { site: SITE, vid: visitor.vid, sid: visitor.sid, sent_at: Date.now(), slots, events };
  for (let attempt = 0; attempt < 5; attempt++) {
    await pace();
    const response = await fetch(`${base}/v1/collect`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': USER_AGENT },
      body: JSON.stringify(body),
    });
    if (response.status === 429) {
      await new Promise((resolve) => setTimeout(resolve, 1000 * Number(response.headers.get('retry-after') ?? 1)));
      continue;
    }
    if (!response.ok) {
      totals.failed += 1;
      if (totals.failed <= 3) console.error(`collect answered ${response.status}: ${await response.text()}`);
      return null;
    }
    totals.batches += 1;
    totals.events += events.length;
    return response.json();
  }
  totals.failed += 1;
  return null;
}

/**
 * Posts a batch that asks for offers, then shows the visitor every offer the answer decided (held
 * out ones are not shown): an impression each, and some clicks, conversions and dismissals.
 * Answers the decision and the offers clicked.
 */
async function visit(visitor, events, slots) {
  const answer = await send(visitor, events, slots);
  const clicked = new Set();
  const seen = [];
  for (const { offer, variant, holdout } of answer?.decisions?.offers ?? []) {
    if (holdout) {
      totals.heldOut += 1;
      continue;
    }
    const action = (name) => visitor.event({ type: 'offer', offer, ...(variant ? { variant } : {}), action: name });
    seen.push(action('impression'));
    totals.impressions += 1;
    if (chance(CLICK_RATES[`${offer}/${variant}`] ?? CLICK_RATE)) {
      clicked.add(offer);
      seen.push(action('click'));
      if (offer !== 'finish-app' && chance(CONVERT_RATE)) seen.push(action('convert'));
    } else if (chance(DISMISS_RATE)) seen.push(action('dismiss'));
  }
  if (seen.length) await send(visitor, seen);
  return { answer, clicked };
}

function makeVisitor(startAt) {
  const visitor = { vid: id('v'), sid: id('s'), at: Math.round(startAt) };
  visitor.event = (fields) => {
    visitor.at += (10 + Math.floor(random() * 90)) * 1000;
    return { id: id('e'), ts: visitor.at, ...fields };
  };
  visitor.page = (path, extra = {}) => visitor.event({ type: 'page', url: PAGE(path), title: path, ...extra });
  visitor.newSession = (gap) => {
    visitor.at += gap;
    visitor.sid = id('s');
  };
  return visitor;
}

async function journey(startAt) {
  const v = makeVisitor(startAt);
  const source = pick(['google', 'google', 'facebook', 'newsletter', null]);
  const landing = source
    ? `index.html?utm_source=${source}&utm_medium=${source === 'newsletter' ? 'email' : 'cpc'}`
    : 'index.html';
  const consent = { type: 'track', name: 'consent', props: { analytics: true, personalization: true, ads: chance(0.7) } };
  await visit(v, [v.event(consent), v.page(landing)], ['hero', 'sidebar']);
  if (chance(0.55)) return; // bounced
  await visit(v, [v.page('rates.html')], ['sidebar']);
  if (chance(0.45))
    await send(v, [
      v.page('calculator.html'),
      v.event({
        type: 'track',
        name: 'calculator_used',
        props: { loan_bucket: pick(['200-300k', '300-400k', '400-600k', '600-800k']) },
      }),
    ]);
  if (!chance(0.35)) {
    // Some come back another day to read rates again.
    if (chance(0.3)) {
      v.newSession((1 + Math.floor(random() * 4)) * DAY);
      await visit(v, [v.page('rates.html')], ['hero', 'sidebar']);
    }
    return;
  }
  const furthest = await application(v, 1, chance(0.5) ? 4 : 1 + Math.floor(random() * 3));
  if (furthest === 'submitted') return customer(v);
  if (furthest < 2 || !chance(0.65)) return;
  // An abandoner comes back a few days later; the home page asks for the hero slot's offer.
  v.newSession((1 + Math.floor(random() * 5)) * DAY);
  const { answer, clicked } = await visit(v, [v.page('index.html')], ['hero', 'sidebar']);
  const offer = answer?.decisions?.offers?.find((o) => o.offer === 'finish-app');
  // Held out (or not decided), some come back to the application on their own.
  const shown = offer && !offer.holdout;
  const resumes = shown ? chance(clicked.has('finish-app') ? 0.75 : 0.1) : chance(0.15);
  if (!resumes || (await application(v, furthest, 4, 'apply.html?resume=1')) !== 'submitted') return;
  if (shown && clicked.has('finish-app')) {
    await send(v, [v.event({ type: 'offer', offer: 'finish-app', variant: offer.variant, action: 'convert' })]);
  }
  return customer(v);
}

/** Walks the application from `from` to `to`; submits at the last step with some probability. */
async function application(v, from, to, path = 'apply.html') {
  const form = (action, step) =>
    v.event({ type: 'form', form: 'mortgage-app', action, step, step_name: STEPS[step - 1], steps: STEPS.length });
  const events = [v.page(path), form(from === 1 ? 'start' : 'step', from)];
  for (let step = from + 1; step <= to; step++) events.push(form('step', step));
  if (to === STEPS.length && chance(0.6)) {
    events.push(form('submit', to));
    if (!(await send(v, events))) return to;
    totals.submitted += 1;
    return 'submitted';
  }
  events.push(form('abandon', to));
  await send(v, events);
  return to;
}

/** Some applications are funded a few days later: the visitor becomes a customer. */
async function customer(v) {
  if (!chance(0.4)) return;
  v.newSession((2 + Math.floor(random() * 5)) * DAY);
  await visit(
    v,
    [
      v.page('index.html'),
      v.event({ type: 'track', name: 'loan_funded', props: { amount: 250_000 + Math.floor(random() * 400_000) } }),
    ],
    ['hero'],
  );
}

async function main() {
  try {
    await fetch(`${base}/nb.js`);
  } catch {
    console.error(`No worker answers at ${base}: start it with \`npm run dev\` (or pass --url).`);
    process.exit(1);
  }
  console.log(`Simulating ${visitors} visitors over the past ${days} days against ${base} …`);
  const now = Date.now();
  let started = 0;
  let done = 0;
  const worker = async () => {
    while (started < visitors && Date.now() < deadline) {
      started += 1;
      // Recent days get more traffic, as a campaign picks up. Return visits that would fall in the
      // future are placed at the time the worker receives them.
      const daysAgo = Math.floor(days * (1 - Math.sqrt(random())));
      await journey(now - (daysAgo + 1) * DAY + (7 + random() * 14) * 60 * MINUTE);
      done += 1;
      if (done % 50 === 0) progress(done);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  progress(done);
  if (Date.now() >= deadline && done < visitors) console.log(`Stopped at the time limit (--max-seconds) after ${done} visitors.`);
  console.log(`\nDone. The queue rolls events up within a few seconds; then open ${base}/dashboard and sign in`);
  console.log('with NB_API_KEY from .dev.vars, or the read-only key in NB_DASHBOARD_KEYS (`npm run dev` prints both).');
}

function progress(done) {
  console.log(
    `visitors ${done}/${visitors}  batches ${totals.batches}  events ${totals.events}  ` +
      `offers shown ${totals.impressions}  held out ${totals.heldOut}  applications submitted ${totals.submitted}` +
      (totals.failed ? `  failed ${totals.failed}` : ''),
  );
}

await main();
