// What anonymous visitors can create in the rollups is bounded: form and track names up to a cap
// per site (the rest under "(other)", reported), offers only as the rules name them, and a form
// step's labels to LABELS_PER_STEP, the one most events carried in the range shown. Events go through the real queue consumer into D1.
import { describe, expect, it } from 'vitest';
import { env } from 'cloudflare:workers';
import { createMessageBatch } from 'cloudflare:test';
import { consumeEvents } from '../../worker/analytics/consumer';
import { NAME_CAPS } from '../../worker/analytics/name-caps';
import { LABELS_PER_STEP } from '../../worker/analytics/rollup';
import type { QueuedEvent } from '../../worker/analytics/message';
import type { Event } from '../../worker/schema/events';
import type { Kpis } from '../../worker/schema/stats';
import { get } from './helpers';

// Each test writes its own month of 2027: the tests of a file share one database.
const at = (month: number) => Date.UTC(2027, month - 1, 10, 12);
const range = (month: number) => `from=2027-${String(month).padStart(2, '0')}-01&to=2027-${String(month).padStart(2, '0')}-28`;

let serial = 0;
type EventBody = { [K in Event['type']]: Omit<Extract<Event, { type: K }>, 'id' | 'ts'> }[Event['type']];
function message(month: number, event: EventBody, vid = `vid_bounds_${serial}`): QueuedEvent {
  const id = `ev_bounds_${serial++}`;
  return { site: 'demo', vid, at: at(month), event: { ...event, id, ts: at(month) } as Event };
}

async function consume(bodies: QueuedEvent[]): Promise<void> {
  const messages = bodies.map((body) => ({ id: body.event.id, timestamp: new Date(body.at), attempts: 1, body }));
  await consumeEvents(createMessageBatch<QueuedEvent>('nextbest-events', messages), env);
}

async function stats(month: number): Promise<Kpis> {
  const response = await get(`/v1/stats/demo?${range(month)}`);
  expect(response.status).toBe(200);
  return response.json<Kpis>();
}

const otherOf = (kpis: Kpis, kind: string) => kpis.other!.find((o) => o.kind === kind)!;
const invented = (month: number, count: number, from = 0) =>
  Array.from({ length: count }, (_, i) =>
    message(month, { type: 'form', form: `made-up-${from + i}`, action: 'start', step: 1, steps: 4, step_name: 'x'.repeat(60) }),
  );

describe('rollup bounds', () => {
  it("shows the label most of the range's events carried, and keeps at most LABELS_PER_STEP labels per step", async () => {
    const step = (name: string) =>
      message(4, { type: 'form', form: 'mortgage-app', action: 'step', step: 2, steps: 4, step_name: name });
    await consume([step('about-you'), step('income'), step('income')]);
    await consume([step('you-have-been-hacked')]);
    const [form] = (await stats(4)).forms!.filter((f) => f.form === 'mortgage-app');
    expect(form.steps[1].name).toBe('income');
    // Made-up labels fill the step's places, then count nowhere; the labels that have a place count on.
    await consume(Array.from({ length: 20 }, (_, i) => step(`made-up-${i}`)));
    await consume([step('income')]);
    const labels = await env.DB.prepare(
      "SELECT name, SUM(n) AS n FROM form_step_labels WHERE site = 'demo' AND form = 'mortgage-app' AND step = 2 GROUP BY name",
    ).all<{ name: string; n: number }>();
    expect(labels.results).toHaveLength(LABELS_PER_STEP);
    expect(labels.results.find((row) => row.name === 'income')?.n).toBe(3);
  });

  it('keeps rows for the first forms up to the cap, counts the rest under (other), and the dashboard stops growing', async () => {
    // The application form of the test before holds one place.
    const kept = NAME_CAPS.form - 1;
    await consume(invented(1, kept));
    const page = async () => (await (await get(`/dashboard?site=demo&${range(1)}`)).text()).length;
    const atCap = await page();
    // 400 invented form names in all, as in the report (here 1.08 MB of dashboard without the cap, 93 KB with it).
    await consume(invented(1, 400 - kept, kept));

    const kpis = await stats(1);
    expect(kpis.forms).toHaveLength(kept);
    expect(otherOf(kpis, 'forms')).toEqual({
      kind: 'forms',
      cap: NAME_CAPS.form,
      names: NAME_CAPS.form,
      other_events: 400 - kept,
    });
    const rows = await env.DB.prepare("SELECT count(DISTINCT form) AS n FROM form_visitors WHERE site = 'demo'").first<number>(
      'n',
    );
    expect(rows).toBe(NAME_CAPS.form);
    const dashboard = await (await get(`/dashboard?site=demo&${range(1)}`)).text();
    expect(dashboard).toContain('data-section="other"');
    // Only the "Left out" section was added.
    expect(dashboard.length - atCap).toBeLessThan(2_000);
  });

  it('holds the cap when batches are consumed concurrently', async () => {
    await consume([message(2, { type: 'track', name: 'calculator_used' })]);
    // Ten batches at once, 40 new track names each: 401 names for 200 places.
    await Promise.all(
      Array.from({ length: 10 }, (_, b) =>
        consume(Array.from({ length: 40 }, (_, i) => message(2, { type: 'track', name: `made-up-${b}-${i}` }))),
      ),
    );
    const names = await env.DB.prepare(
      "SELECT count(*) AS n FROM rollup_names WHERE site = 'demo' AND kind = 'track'",
    ).first<number>('n');
    expect(names).toBe(NAME_CAPS.track);
    const dims = await env.DB.prepare(
      "SELECT count(DISTINCT dim) AS n FROM daily_counts WHERE site = 'demo' AND metric = 'track'",
    ).first<number>('n');
    expect(dims).toBe(NAME_CAPS.track + 1);
    expect(otherOf(await stats(2), 'tracks')).toMatchObject({ names: NAME_CAPS.track, other_events: 401 - NAME_CAPS.track });
    // The first name was there first: it keeps its row.
    const first = await env.DB.prepare(
      "SELECT n FROM daily_counts WHERE site = 'demo' AND metric = 'track' AND dim = 'calculator_used'",
    ).first<number>('n');
    expect(first).toBe(1);
  });

  it('creates no row for an offer or variant the rules do not name, and reports the events', async () => {
    await consume([
      message(3, { type: 'offer', offer: 'free-money', action: 'impression' }),
      message(3, { type: 'offer', offer: 'finish-app', variant: 'zzz', action: 'click' }),
      message(3, { type: 'offer', offer: 'rate-alert', variant: 'a', action: 'impression' }),
      message(3, { type: 'page', url: 'https://demo.example/' }, 'vid_bounds_exposed'),
      {
        ...message(3, { type: 'track', name: 'seen' }, 'vid_bounds_exposed'),
        offers: [{ offer: 'made-up', variant: 'x', holdout: false }],
      },
      message(3, { type: 'offer', offer: 'finish-app', variant: 'a', action: 'impression' }),
    ]);
    const offers = await env.DB.prepare("SELECT offer, arm FROM offer_visitors WHERE site = 'demo'").all();
    expect(offers.results).toEqual([{ offer: 'finish-app', arm: 'a' }]);
    const dims = await env.DB.prepare(
      "SELECT DISTINCT dim FROM daily_counts WHERE site = 'demo' AND metric LIKE 'offer%' ORDER BY dim",
    ).all();
    expect(dims.results.map((row) => row.dim)).toEqual(['(other)', 'finish-app/a']);
    const kpis = await stats(3);
    expect(kpis.offers!.map((o) => o.offer)).toEqual(['finish-app']);
    expect(otherOf(kpis, 'offers')).toEqual({ kind: 'offers', cap: null, names: null, other_events: 3 });
  });
});
