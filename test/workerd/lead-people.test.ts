// The stages section counts people, not browsers: a person identified on two devices, or funded by
// uid through the back office (POST /v1/events), is one lead. Through the real Durable Objects,
// outbox alarms, queue, consumer and D1; each case on a day of its own, read back for that day.
import { describe, expect, it } from 'vitest';
import { env } from 'cloudflare:workers';
import { runDurableObjectAlarm } from 'cloudflare:test';
import type { Event } from '../../worker/schema/events';
import type { Kpis } from '../../worker/schema/stats';
import { userStub, visitorStub } from '../../worker/visitor/stub';
import { TEST_API_KEY } from './api-keys';
import { get, post, uniqueId } from './helpers';

const withKey = { authorization: `Bearer ${TEST_API_KEY}` };
const sha256 = async (text: string) =>
  [...new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)))]
    .map((b) => b.toString(16).padStart(2, '0'))
    .join('');

/** Noon (UTC, the demo's zone) `days` ago, and its date. */
function noon(days: number): { at: number; day: string } {
  const today = new Date();
  const at = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() - days, 12);
  return { at, day: new Date(at).toISOString().slice(0, 10) };
}

/** Events with trusted times, through the back-office API: for a browser (vid) or a person (uid). */
async function send(who: { vid: string } | { uid: string }, events: Array<Record<string, unknown>>): Promise<void> {
  const body = { ...who, events: events.map((event) => ({ id: uniqueId('ev'), ...event })) };
  const response = await post('/v1/events/demo', body, withKey);
  expect(response.status, await response.clone().text()).toBe(200);
}

/**
 * Flushes the objects' outboxes, waits until D1 has counted `events` events in all (the queue runs on
 * its own schedule; the file's database is its own), then reads the stages of `day`.
 */
async function stagesOn(day: string, events: number, objects: Array<ReturnType<typeof visitorStub>> = []): Promise<Kpis> {
  for (const stub of objects) await runDurableObjectAlarm(stub);
  const counted = async () => (await env.DB.prepare('SELECT COUNT(*) AS n FROM seen_events').first<number>('n')) ?? 0;
  const deadline = Date.now() + 15_000;
  while ((await counted()) < events && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  expect(await counted()).toBe(events);
  const response = await get(`/v1/stats/demo?from=${day}&to=${day}&metric=stages`);
  expect(response.status).toBe(200);
  return response.json<Kpis>();
}

const identify = (uid: string, ts: number) => ({ ts, type: 'identify', uid });
const page = (ts: number, url = 'https://demo.example/rates') => ({ ts, type: 'page', url });
const entered = (kpis: Kpis) => Object.fromEntries(kpis.stages!.entered.map((s) => [s.stage, s.visitors]));

describe('leads are people', () => {
  it('counts a person who became a lead on two devices once', async () => {
    const { at, day } = noon(10);
    const uid = await sha256(uniqueId('person'));
    const [phone, laptop] = [uniqueId('vid'), uniqueId('vid')];
    // The phone signs in (identified: a lead); the laptop starts the application anonymously
    // (an applicant, which is a lead stage) and signs in afterwards.
    await send({ vid: phone }, [
      page(at, 'https://demo.example/rates?utm_source=google&utm_medium=cpc'),
      identify(uid, at + 1000),
    ]);
    await send({ vid: laptop }, [
      page(at + 60_000),
      { ts: at + 61_000, type: 'form', form: 'mortgage-app', action: 'start', step: 1 },
    ]);
    await send({ vid: laptop }, [identify(uid, at + 120_000)]);
    const kpis = await stagesOn(day, 5, [
      visitorStub(env, 'demo', phone),
      visitorStub(env, 'demo', laptop),
      userStub(env, 'demo', uid),
    ]);
    expect(kpis.stages).toMatchObject({ leads: 1, converted_leads: 0 });
    expect(entered(kpis)).toMatchObject({ lead: 1, applicant: 1 });
    // The person's first tagged page view (on the phone) is their channel.
    expect(kpis.stages!.by_channel).toEqual([
      { source: 'google', medium: 'cpc', leads: 1, converted_leads: 0, lead_to_customer_pct: 0 },
    ]);
  });

  it('counts a lead funded by uid in the back office as one converted lead', async () => {
    const { at, day } = noon(5);
    const uid = await sha256(uniqueId('person'));
    const vid = uniqueId('vid');
    await send({ vid }, [page(at, 'https://demo.example/?utm_source=newsletter&utm_medium=email'), identify(uid, at + 1000)]);
    // The loan is funded the same day: the person (their user profile) becomes a customer.
    await send({ uid }, [
      { ts: at + 3_600_000, type: 'track', name: 'loan_funded', props: { product: 'mortgage' }, amount: 900 },
    ]);
    const kpis = await stagesOn(day, 8, [visitorStub(env, 'demo', vid), userStub(env, 'demo', uid)]);
    expect(kpis.stages).toMatchObject({ leads: 1, converted_leads: 1, lead_to_customer_pct: 100 });
    expect(entered(kpis)).toMatchObject({ lead: 1, customer: 1 });
    expect(kpis.stages!.by_channel).toEqual([
      { source: 'newsletter', medium: 'email', leads: 1, converted_leads: 1, lead_to_customer_pct: 100 },
    ]);
    // The days in between hold neither person's lead.
    const between = await stagesOn(noon(7).day, 8);
    expect(between.stages).toMatchObject({ leads: 0, converted_leads: 0 });
  });
});
