#!/usr/bin/env node
// `npm run demo:traffic`: simulated visitors for the demo lender site, posted to a running worker
// (batches with page, form, track and offer events, as the snippet sends them), spread over the past
// days so the dashboard has history. Most visitors bounce, some read rates or use the calculator,
// fewer start the four-step application and fewer finish it; abandoners come back and are shown the
// "finish your application" banner unless the offer's holdout keeps it from them. Every offer an
// answer decides (unless held out) is shown, and some are clicked and converted. After the sale the
// lender's back office reports (POST /v1/events): loans funded with their fees, activation (the
// first payment, which rules/demo.json's lifecycle.activated_when names), monthly payments with
// amounts, cards opened after the cross-sell banner, loans closed; some visitors arrive through a
// customer's referral link. Besides the visitors of the last --days, --customers people became
// customers in the months before (up to --history-days ago), so that the range also holds what takes
// months: customers gone quiet for longer than the rules' dormant_days (dormant), others back in the
// range after such a lapse (won back, most after a win-back e-mail), loans paid off, cross-sells.
// Past events need trusted times, so with the API key (--key, NB_API_KEY, or .dev.vars) every batch
// goes through POST /v1/events; without one, /v1/collect accepts only the last 24 hours (and no
// customers are made).
//
//   node worker/scripts/demo-traffic.mjs [--url http://localhost:$PORT, default 8787] [--visitors 400] [--days 14]
//                                        [--customers visitors/8] [--history-days 240] [--max-seconds 300]
//                                        [--seed 1] [--key KEY]
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    url: { type: 'string', default: `http://localhost:${process.env.PORT || 8787}` },
    visitors: { type: 'string', default: '400' },
    days: { type: 'string', default: '14' },
    customers: { type: 'string' },
    'history-days': { type: 'string', default: '240' },
    'max-seconds': { type: 'string', default: '300' },
    seed: { type: 'string', default: '1' },
    key: { type: 'string', default: process.env.NB_API_KEY },
  },
});
const key =
  args.key ?? (existsSync('.dev.vars') ? /^NB_API_KEY=(.+)$/m.exec(readFileSync('.dev.vars', 'utf8'))?.[1]?.trim() : undefined);
const base = args.url.replace(/\/+$/, '');
const visitors = Math.min(5000, Math.max(1, Number(args.visitors)));
const days = Math.min(365, Math.max(1, Number(args.days)));
const earlierCustomers = Math.min(2000, Math.max(0, Number(args.customers ?? Math.round(visitors / 8))));
// Back-office events may be up to 400 days old; a customer's story starts some weeks before funding.
const historyDays = Math.min(330, Math.max(days + 1, Number(args['history-days'])));
const deadline = Date.now() + Math.min(600, Number(args['max-seconds'])) * 1000;
// Below the worker's per-address limit (600 requests per 10 s): this is one address.
const REQUESTS_PER_SECOND = 40;
const CONCURRENCY = 4;
const SITE = 'demo';
const PAGE = (path) => `${base}/demo/${path}`;
// As the demo's application form names its steps (data-nb-step-name in worker/demo/apply.html).
const STEPS = ['property', 'income', 'details', 'review'];
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

const totals = {
  batches: 0,
  events: 0,
  impressions: 0,
  heldOut: 0,
  submitted: 0,
  funded: 0,
  activated: 0,
  payments: 0,
  dormant: 0,
  wonBack: 0,
  cards: 0,
  closed: 0,
  failed: 0,
};
// rules/demo.json: lifecycle.dormant_days, and the events its lifecycle.activated_when names.
const DORMANT_DAYS = 90;
const ACTIVATION_EVENT = 'first_payment';
const HOUR = 3_600_000;
let nextSlot = Date.now();

/** Waits for this request's turn at REQUESTS_PER_SECOND across all visitors. */
async function pace() {
  const at = Math.max(Date.now(), nextSlot);
  nextSlot = at + 1000 / REQUESTS_PER_SECOND;
  if (at > Date.now()) await new Promise((resolve) => setTimeout(resolve, at - Date.now()));
}

/**
 * Posts one batch of a visitor's events (or, with `uid`, of a person's back-office events). Events
 * in the future of the real clock have not happened yet and are left out.
 */
async function send(visitor, events, slots = [], uid = undefined) {
  events = events.filter((event) => event.ts <= Date.now());
  if (events.length === 0) return null;
  const [path, body] = key
    ? [`/v1/events/${SITE}`, { ...(uid ? { uid } : { vid: visitor.vid }), slots, events }]
    : ['/v1/collect', { site: SITE, vid: visitor.vid, sid: visitor.sid, sent_at: Date.now(), slots, events }];
  for (let attempt = 0; attempt < 5; attempt++) {
    await pace();
    const response = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': USER_AGENT,
        ...(key ? { authorization: `Bearer ${key}` } : {}),
      },
      body: JSON.stringify(body),
    });
    if (response.status === 429) {
      await new Promise((resolve) => setTimeout(resolve, 1000 * Number(response.headers.get('retry-after') ?? 1)));
      continue;
    }
    if (!response.ok) {
      totals.failed += 1;
      if (totals.failed <= 3) console.error(`${path} answered ${response.status}: ${await response.text()}`);
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
    return { id: id('e'), ts: Math.round(visitor.at), ...fields };
  };
  visitor.page = (path, extra = {}) => visitor.event({ type: 'page', url: PAGE(path), title: path, ...extra });
  visitor.newSession = (gap) => {
    visitor.at += gap;
    visitor.sid = id('s');
  };
  return visitor;
}

/** Customers' uids, which their referral links carry. */
const referrers = [];

async function journey(startAt) {
  const v = makeVisitor(startAt);
  const source = pick(['google', 'google', 'facebook', 'newsletter', null]);
  // Some arrive through a customer's referral link ("?ref=<their uid>").
  const ref = referrers.length && chance(0.12) ? pick(referrers) : null;
  const query = [
    ...(source ? [`utm_source=${source}`, `utm_medium=${source === 'newsletter' ? 'email' : 'cpc'}`] : []),
    ...(ref ? [`ref=${ref}`] : []),
  ].join('&');
  const landing = query ? `index.html?${query}` : 'index.html';
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

/** Walks the application from `from` to `to`; submits at the last step with probability `submits`. */
async function application(v, from, to, path = 'apply.html', submits = 0.6) {
  const form = (action, step) =>
    v.event({ type: 'form', form: 'mortgage-app', action, step, step_name: STEPS[step - 1], steps: STEPS.length });
  const events = [v.page(path), form(from === 1 ? 'start' : 'step', from)];
  for (let step = from + 1; step <= to; step++) events.push(form('step', step));
  if (to === STEPS.length && chance(submits)) {
    events.push(form('submit', to));
    if (!(await send(v, events))) return to;
    totals.submitted += 1;
    return 'submitted';
  }
  events.push(form('abandon', to));
  await send(v, events);
  return to;
}

/** A person's back-office event, at a given time. */
const backOffice = (at, name, fields = {}) => ({ id: id('b'), ts: Math.round(at), type: 'track', name, ...fields });

/**
 * Some applications are funded a few days later: the person signs in (identify), the back office
 * reports the loan with its fee, and the life of the customer follows, as far as it has happened:
 * `plan` may send them quiet from `quietFrom` (for good, or until `returnAt`), or pay the loan off.
 */
async function customer(v, plan = {}) {
  if (!key || !(plan.fundedAt || chance(0.6))) return;
  if (plan.fundedAt) v.at = plan.fundedAt - HOUR;
  else v.newSession((2 + Math.floor(random() * 5)) * DAY);
  const uid = createHash('sha256').update(v.vid).digest('hex');
  await pace();
  await fetch(`${base}/v1/identify`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ site: SITE, vid: v.vid, uid }),
  });
  const fundedAt = v.at;
  const product = chance(0.8) ? 'mortgage' : pick(['refinance', 'heloc']);
  const fee = 1000 + Math.floor(random() * 3000);
  if (
    !(await send(v, [backOffice(fundedAt, 'loan_funded', { props: { product }, amount: fee, currency: 'USD' })], ['hero'], uid))
  )
    return;
  totals.funded += 1;
  if (chance(0.3)) referrers.push(uid);
  const now = Date.now();
  // Active until `until` (quiet from then, or the loan paid off), and again from `returnAt`.
  const closedAt = plan.closed ? fundedAt + (60 + random() * 120) * DAY : undefined;
  const until = Math.min(plan.quietFrom ?? now, closedAt ?? now, now);
  const payments = (from, to) => {
    const events = [];
    for (let at = from + (28 + random() * 5) * DAY; at < to; at += (28 + random() * 5) * DAY)
      events.push(backOffice(at, 'payment', { amount: 900 + Math.floor(random() * 2100) }));
    return events;
  };
  // Activation: the first payment, within two weeks for most, late or never for some.
  const activatedAt = chance(0.88) ? fundedAt + (chance(0.8) ? 2 + random() * 12 : 35 + random() * 25) * DAY : undefined;
  const first = activatedAt !== undefined && activatedAt < until;
  const early = [
    ...(first ? [backOffice(activatedAt, ACTIVATION_EVENT, { amount: 900 + Math.floor(random() * 2100) })] : []),
    ...payments(first ? activatedAt : fundedAt, until),
  ];
  if (first && activatedAt <= now) totals.activated += 1;
  totals.payments += early.filter((event) => event.ts <= now).length;
  // One batch of a person's back-office events holds at most 50.
  for (let i = 0; i < early.length; i += 50) await send(v, early.slice(i, i + 50), [], uid);
  // A card after the cross-sell banner, for some, on a visit while active.
  if (!plan.closed && chance(0.45)) {
    const latest = Math.min(until, now - HOUR);
    const visitAt = fundedAt + 10 * DAY + random() * Math.max(0, latest - fundedAt - 10 * DAY);
    if (visitAt < latest) {
      v.newSession(Math.max(0, visitAt - v.at));
      const { clicked } = await visit(v, [v.page('index.html')], ['hero', 'sidebar']);
      if ((clicked.has('card-cross-sell') || chance(0.4)) && v.at + DAY < until) {
        await send(v, [backOffice(v.at + DAY, 'account_opened', { props: { product: 'card' } })], [], uid);
        // Most activate the card (the other activation event) within days.
        if (chance(0.7) && v.at + 3 * DAY < until)
          await send(v, [backOffice(v.at + 3 * DAY, 'card_activated', { props: { product: 'card' } })], [], uid);
        totals.cards += 1;
      }
    }
  }
  if (closedAt !== undefined && closedAt <= now) {
    await send(v, [backOffice(closedAt, 'loan_closed', { props: { product } })], [], uid);
    totals.closed += 1;
  }
  if (plan.quietFrom === undefined) return;
  if (plan.returnAt === undefined || plan.returnAt > now) {
    totals.dormant += 1;
    return;
  }
  // Back after the lapse: most after the win-back e-mail (an impression of the card offer days before).
  if (chance(0.7))
    await send(
      v,
      [{ id: id('b'), ts: Math.round(plan.returnAt - 3 * DAY), type: 'offer', offer: 'card-cross-sell', action: 'impression' }],
      [],
      uid,
    );
  v.newSession(Math.max(0, plan.returnAt - v.at));
  await visit(v, [v.page('index.html')], ['hero', 'sidebar']);
  totals.wonBack += 1;
  const late = [backOffice(v.at + HOUR, 'payment', { amount: 900 + Math.floor(random() * 2100) }), ...payments(v.at, now)];
  totals.payments += late.filter((event) => event.ts <= now).length;
  await send(v, late, [], uid);
}

/**
 * A person who became a customer before the range, with a story that reaches into it: still active,
 * gone quiet for more than DORMANT_DAYS (dormant), back in the range after such a lapse (won back),
 * or with the loan paid off. They found the site some days before funding and applied.
 */
async function earlierCustomer(now) {
  const story = pick(['active', 'active', 'active', 'dormant', 'dormant', 'won back', 'won back', 'closed']);
  const plan = { closed: story === 'closed' };
  if (story === 'won back') {
    plan.returnAt = now - (0.2 + random() * (days - 0.4)) * DAY;
    plan.quietFrom = plan.returnAt - (DORMANT_DAYS + 3 + random() * 40) * DAY;
    plan.fundedAt = plan.quietFrom - (20 + random() * 100) * DAY;
  } else if (story === 'dormant') {
    plan.quietFrom = now - (DORMANT_DAYS + 3 + random() * 60) * DAY;
    plan.fundedAt = plan.quietFrom - (20 + random() * 100) * DAY;
  } else plan.fundedAt = now - (days + random() * (historyDays - days)) * DAY;
  const v = makeVisitor(plan.fundedAt - (4 + random() * 10) * DAY);
  const source = pick(['google', 'google', 'facebook', 'newsletter', null]);
  const query = source ? `?utm_source=${source}&utm_medium=${source === 'newsletter' ? 'email' : 'cpc'}` : '';
  const consent = { type: 'track', name: 'consent', props: { analytics: true, personalization: true, ads: chance(0.7) } };
  await visit(v, [v.event(consent), v.page(`index.html${query}`)], ['hero', 'sidebar']);
  await visit(v, [v.page('rates.html')], ['sidebar']);
  if ((await application(v, 1, 4, 'apply.html', 1)) !== 'submitted') return;
  await customer(v, plan);
}

async function main() {
  try {
    await fetch(`${base}/nb.js`);
  } catch {
    console.error(`No worker answers at ${base}: start it with \`npm run dev\` (or pass --url).`);
    process.exit(1);
  }
  console.log(`Simulating ${visitors} visitors over the past ${days} days against ${base} …`);
  if (!key)
    console.log('No API key (--key, NB_API_KEY or .dev.vars): only the last 24 h are accepted, and no back-office events.');
  const now = Date.now();
  if (key && earlierCustomers) {
    console.log(`First ${earlierCustomers} people who became customers in the ${historyDays} days before …`);
    let made = 0;
    const earlier = async () => {
      while (made < earlierCustomers && Date.now() < deadline) {
        made += 1;
        await earlierCustomer(now);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, earlier));
    progress(0);
  }
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
  if (key) await putSpend(now);
  if (Date.now() >= deadline && done < visitors) console.log(`Stopped at the time limit (--max-seconds) after ${done} visitors.`);
  console.log(`\nDone. The queue rolls events up within a few seconds; then open ${base}/dashboard and sign in`);
  console.log('with NB_API_KEY from .dev.vars, or the read-only key in NB_DASHBOARD_KEYS (`npm run dev` prints both).');
}

/** What the paid channels cost per day (PUT /v1/spend), for cost per lead. */
async function putSpend(now) {
  const spend = [];
  for (let d = 1; d <= days; d++) {
    const day = new Date(now - d * DAY).toISOString().slice(0, 10);
    spend.push({ day, source: 'google', medium: 'cpc', amount: 40 + Math.round(random() * 40) });
    spend.push({ day, source: 'facebook', medium: 'cpc', amount: 10 + Math.round(random() * 20) });
  }
  for (let i = 0; i < spend.length; i += 1000) {
    await fetch(`${base}/v1/spend/${SITE}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ spend: spend.slice(i, i + 1000) }),
    });
  }
}

function progress(done) {
  console.log(
    `visitors ${done}/${visitors}  batches ${totals.batches}  events ${totals.events}  ` +
      `offers shown ${totals.impressions}  held out ${totals.heldOut}  applications submitted ${totals.submitted}  ` +
      `loans funded ${totals.funded}  activated ${totals.activated}  payments ${totals.payments}  cards ${totals.cards}  ` +
      `dormant ${totals.dormant}  won back ${totals.wonBack}  paid off ${totals.closed}` +
      (totals.failed ? `  failed ${totals.failed}` : ''),
  );
}

await main();
