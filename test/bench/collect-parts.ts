// The pure parts of one POST /v1/collect, timed in Node on the body test/bench/api.mjs sends (5 page
// views of a returning visitor, the demo rules, the hero slot): what the request spends outside
// I/O, which workerd's clock cannot show (Date.now() stands still between I/Os). The I/O parts (the
// Durable Object call, its SQLite writes, the alarm and the queue) are api.mjs's floor comparison.
// Prints µs per request for each part, the median of 7 rounds of 2,000 requests.
import { randomUUID } from 'node:crypto';
import { demoRules } from '../unit/helpers';
import { applyEvent, decide, newVisitor, type VisitorState } from '../../worker/engine';
import { BatchEnvelope, Event } from '../../worker/schema/events';
import { scrubEvent } from '../../worker/lib/scrub';
import { keepAdIds } from '../../worker/lib/click-ids';
import { visitorHash } from '../../worker/analytics/visitor-hash';

const rules = demoRules;
const ROUNDS = 7;
const REQUESTS = 2_000;

function body(now: number): string {
  const events = Array.from({ length: 5 }, (_, i) => ({
    id: randomUUID().replaceAll('-', ''),
    ts: now - i,
    type: 'page',
    url: `https://demo.example/rates?i=${i}`,
  }));
  return JSON.stringify({ site: 'demo', vid: 'bench-visitor-1', sent_at: now, slots: ['hero'], events });
}

/** A visitor with 40 page views behind it, as stored (the object parses it once per batch). */
function storedState(now: number): string {
  const state = newVisitor('bench-visitor-1', now - 3_600_000);
  for (let i = 0; i < 40; i++)
    applyEvent(
      rules,
      state,
      { id: `old${i}`, ts: now - 3_600_000 + i, type: 'page', url: 'https://demo.example/rates' },
      now - 3_600_000 + i,
    );
  return JSON.stringify(state);
}

const parts = {
  'JSON.parse + BatchEnvelope': 0,
  'Event.safeParse + scrub, 5 events': 0,
  'visitorHash (SHA-256)': 0,
  'state JSON.parse': 0,
  'applyEvent, 5 events': 0,
  'event rows + messages JSON.stringify': 0,
  'state JSON.stringify': 0,
  decide: 0,
  'answer JSON.stringify': 0,
};
type Part = keyof typeof parts;

async function round(): Promise<Record<Part, number>> {
  const now = Date.now();
  const bodies = Array.from({ length: REQUESTS }, () => body(now));
  const stored = storedState(now);
  const spent = Object.fromEntries(Object.keys(parts).map((part) => [part, 0])) as Record<Part, number>;
  let t = performance.now();
  const mark = (part: Part) => {
    const at = performance.now();
    spent[part] += at - t;
    t = at;
  };
  for (const text of bodies) {
    t = performance.now();
    const batch = BatchEnvelope.parse(JSON.parse(text));
    mark('JSON.parse + BatchEnvelope');
    const events = batch.events.map((candidate) => {
      const parsed = Event.parse(candidate);
      return keepAdIds(scrubEvent(parsed), parsed);
    });
    mark('Event.safeParse + scrub, 5 events');
    const vh = await visitorHash(batch.site, batch.vid);
    mark('visitorHash (SHA-256)');
    const state = JSON.parse(stored) as VisitorState;
    mark('state JSON.parse');
    for (const event of events) applyEvent(rules, state, event, event.ts);
    mark('applyEvent, 5 events');
    for (const event of events) JSON.stringify({ event, vh, at: event.ts, sid: batch.sid }) + JSON.stringify(event);
    mark('event rows + messages JSON.stringify');
    JSON.stringify(state);
    mark('state JSON.stringify');
    const decision = decide(rules, state, batch.slots ?? [], now, undefined, {}, 'public');
    mark('decide');
    JSON.stringify({ accepted: 5, duplicates: 0, rejected: [], decisions: decision });
    mark('answer JSON.stringify');
  }
  return spent;
}

const rounds: Array<Record<Part, number>> = [];
for (let i = 0; i < ROUNDS; i++) rounds.push(await round());
const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];
let total = 0;
for (const part of Object.keys(parts) as Part[]) {
  const us = (median(rounds.map((spent) => spent[part])) / REQUESTS) * 1000;
  total += us;
  console.log(`collect_part_us ${part}: ${us.toFixed(1)} µs`);
}
console.log(`collect_pure_total_us: ${total.toFixed(1)} µs per request`);
