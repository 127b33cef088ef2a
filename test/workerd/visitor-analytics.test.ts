// The whole analytics path, without stand-ins: collect → the visitor's Durable Object → its outbox
// alarm → the events queue → the consumer → D1 → /v1/stats. What the visitor's object adds to each
// queued event (session id, stage changes, offer exposures with holdouts) must come out as KPIs.
import { describe, expect, it } from 'vitest';
import { env } from 'cloudflare:workers';
import { runDurableObjectAlarm } from 'cloudflare:test';
import type { Kpis } from '../../worker/schema/stats';
import type { CollectResponse } from '../../worker/schema/collect';
import type { Event } from '../../worker/schema/events';
import { visitorHash } from '../../worker/analytics/visitor-hash';
import { userStub, visitorStub } from '../../worker/visitor/stub';
import { batch, get, pageView, post, sign, sinceYesterday, uniqueId } from './helpers';

const form = (action: 'start' | 'step' | 'abandon', step: number): Event =>
  ({ id: uniqueId('ev'), ts: Date.now(), type: 'form', form: 'mortgage-app', action, step, steps: 4 }) as Event;
const track = (name: string): Event => ({ id: uniqueId('ev'), ts: Date.now(), type: 'track', name }) as Event;
const sha256 = async (text: string) =>
  [...new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)))]
    .map((b) => b.toString(16).padStart(2, '0'))
    .join('');

async function send(events: Event[], vid: string, sid: string): Promise<CollectResponse> {
  const response = await post('/v1/collect', batch(events, { vid, sid }));
  expect(response.status, await response.clone().text()).toBe(200);
  return response.json<CollectResponse>();
}

/** Reads the KPIs until `done` holds: the queue hands batches to the consumer on its own schedule. */
async function statsUntil(done: (kpis: Kpis) => boolean): Promise<Kpis> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const kpis = await (await get(`/v1/stats/demo?${sinceYesterday()}`)).json<Kpis>();
    if (done(kpis) || Date.now() > deadline) return kpis;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('what the visitor object queues for analytics', () => {
  it('gives sessions, stage changes and offer exposures, holdouts included, to the KPIs', async () => {
    // Visitors who abandon the application at step 2 on the rates page: finish-app is decided for
    // the hero slot, in variant a or b or held out (10%), by the hash of the visitor id.
    const arms = new Map<string, number>();
    const vids: string[] = [];
    while ((arms.get('holdout') ?? 0) === 0 || vids.length < 12) {
      expect(vids.length, 'no visitor fell in the holdout').toBeLessThan(200);
      const vid = uniqueId('vid');
      vids.push(vid);
      const answer = await send(
        [pageView('https://demo.example/rates'), form('start', 1), form('step', 2), form('abandon', 2)],
        vid,
        `s1-${vid}`,
      );
      const [offer] = answer.decisions.offers;
      expect(offer?.offer).toBe('finish-app');
      const arm = offer.holdout ? 'holdout' : offer.variant!;
      arms.set(arm, (arms.get(arm) ?? 0) + 1);
    }
    // The first visitor comes back in a second browser session a minute later and becomes a customer.
    await send([pageView('https://demo.example/'), track('loan_funded')], vids[0], `s2-${vids[0]}`);
    for (const vid of vids) await runDurableObjectAlarm(visitorStub(env, 'demo', vid));

    // Each event is a message of its own, and the exposures ride on each batch's last one: wait for
    // those too, as the consumer may take them in a later batch than the page views.
    const exposed = (k: Kpis) =>
      (k.offers ?? [])
        .filter((offer) => offer.offer === 'finish-app')
        .reduce((sum, offer) => sum + (offer.holdout?.exposed ?? 0) + offer.arms.reduce((n, arm) => n + arm.exposed, 0), 0);
    const kpis = await statsUntil(
      (k) => k.traffic?.page_views === vids.length + 1 && (k.stages?.converted_leads ?? 0) > 0 && exposed(k) >= vids.length,
    );
    // Two session ids for one visitor within a minute: two sessions, where 30 idle minutes alone would see one.
    expect(kpis.traffic).toMatchObject({ page_views: vids.length + 1, unique_visitors: vids.length, sessions: vids.length + 1 });
    const finishApp = kpis.offers!.find((offer) => offer.offer === 'finish-app')!;
    expect(finishApp.holdout?.exposed).toBe(arms.get('holdout'));
    for (const arm of finishApp.arms) expect(arm.exposed, arm.arm).toBe(arms.get(arm.arm) ?? 0);
    expect(finishApp.arms.reduce((sum, arm) => sum + arm.exposed, 0)).toBe(vids.length - arms.get('holdout')!);
    const withVisitors = finishApp.arms.find((arm) => arm.exposed > 0)!;
    expect(withVisitors.lift).not.toBeNull();
    const entered = Object.fromEntries(kpis.stages!.entered.map((s) => [s.stage, s.visitors]));
    expect(entered).toMatchObject({ anonymous: vids.length, applicant: vids.length, customer: 1 });
    expect(kpis.stages).toMatchObject({ leads: vids.length, converted_leads: 1 });
  });

  it("keeps counting an identified visitor under its own id, with the person's decisions as its exposures", async () => {
    const vid = uniqueId('vid');
    const uid = await sha256(uniqueId('person'));
    const identify = { id: uniqueId('ev'), ts: Date.now(), type: 'identify', uid, sig: await sign(uid) } as Event;
    await send([pageView('https://demo.example/'), identify], vid, `s1-${vid}`);
    // From here the visitor's object forwards to the person's, which stores, decides and queues.
    const answer = await send(
      [pageView('https://demo.example/rates'), form('start', 1), form('step', 2), form('abandon', 2)],
      vid,
      `s2-${vid}`,
    );
    const [offer] = answer.decisions.offers;
    expect(offer?.offer).toBe('finish-app');
    // The visitor had stored nothing before its identify: the person's profile starts with its batch.
    expect(await userStub(env, 'demo', uid).profile()).toMatchObject({ uid, vid: `uid:${uid}`, linked: [vid], events: 6 });
    await runDurableObjectAlarm(visitorStub(env, 'demo', vid));
    await runDurableObjectAlarm(userStub(env, 'demo', uid));

    const vh = await visitorHash('demo', vid);
    const deadline = Date.now() + 15_000;
    const seen = () => env.DB.prepare('SELECT count(*) AS n FROM seen_events WHERE vh = ?').bind(vh).first<number>('n');
    while ((await seen()) !== 6 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await seen()).toBe(6);
    const sessions = await env.DB.prepare('SELECT DISTINCT sid FROM page_views WHERE vh = ? ORDER BY sid').bind(vh).all();
    expect(sessions.results.map((row) => row.sid)).toEqual([`s1-${vid}`, `s2-${vid}`]);
    const exposures = await env.DB.prepare('SELECT offer, arm FROM offer_visitors WHERE vh = ?').bind(vh).all();
    expect(exposures.results).toEqual([{ offer: 'finish-app', arm: offer.holdout ? 'holdout' : offer.variant }]);
    const stages = await env.DB.prepare('SELECT stage FROM stage_visitors WHERE vh = ?').bind(vh).all();
    expect(stages.results.map((row) => row.stage)).toContain('applicant');
  });
});
