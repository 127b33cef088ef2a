import { describe, expect, it } from 'vitest';
import { env } from 'cloudflare:workers';
import { runDurableObjectAlarm } from 'cloudflare:test';
import { batch, formEvent, get, pageView, post, uniqueId } from './helpers';
import type { Event } from '../../worker/schema/events';
import type { CollectResponse } from '../../worker/schema/collect';
import { visitorStub } from '../../worker/visitor/stub';
import type { Profile } from '../../worker/schema/profile';

const consent = (ads: boolean): Event => ({
  id: uniqueId('ev'),
  ts: Date.now(),
  type: 'track',
  name: 'consent',
  props: { analytics: true, personalization: true, ads },
});

async function members(audience: string, query = '') {
  const response = await get(`/v1/audiences/demo/${audience}${query}`);
  expect(response.status).toBe(200);
  return response.json<{ members: Array<{ vid: string; expires: number }>; next: string | null }>();
}

/** The mirror to D1 runs in the visitor's alarm, which may already be running on its own. */
async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const memberIds = async () => (await members('mortgage_abandoners', '?limit=1000')).members.map((member) => member.vid);

async function abandonApplication(ads: boolean): Promise<string> {
  const visit = batch([
    consent(ads),
    pageView('https://demo.example/apply'),
    formEvent('start', 1),
    formEvent('step', 2),
    formEvent('abandon', 2),
  ]);
  const result = await (await post('/v1/collect', visit)).json<CollectResponse>();
  expect(result.accepted).toBe(5);
  await runDurableObjectAlarm(visitorStub(env, 'demo', visit.vid));
  return visit.vid;
}

describe('GET /v1/audiences/:site/:audience', () => {
  it('lists a visitor who abandoned the application with ads consent, until they submit', async () => {
    const vid = await abandonApplication(true);
    const current = await eventually(
      () => members('mortgage_abandoners', '?limit=1000'),
      (page) => page.members.some((member) => member.vid === vid),
    );
    expect(current.members.find((member) => member.vid === vid)?.expires).toBeGreaterThan(Date.now() + 29 * 86_400_000);

    await post('/v1/collect', batch([formEvent('submit', 4)], { vid }));
    await runDurableObjectAlarm(visitorStub(env, 'demo', vid));
    expect(await eventually(memberIds, (ids) => !ids.includes(vid))).not.toContain(vid);
  });

  it('never lists a visitor without ads consent', async () => {
    const vid = await abandonApplication(false);
    const profile = await (await get(`/v1/profile/demo/${vid}`)).json<Profile>();
    expect(profile.state.forms['mortgage-app']).toMatchObject({ abandoned: true, furthest: 2 });
    expect(profile.state.audiences.mortgage_abandoners).toBeUndefined();
    expect((await members('mortgage_abandoners', '?limit=1000')).members.map((member) => member.vid)).not.toContain(vid);
  });

  it('pages through members with a cursor, each member once', async () => {
    const vids = [await abandonApplication(true), await abandonApplication(true), await abandonApplication(true)];
    await eventually(memberIds, (ids) => vids.every((vid) => ids.includes(vid)));
    const seen: string[] = [];
    let query = '?limit=2';
    for (let page = 0; page < 10; page++) {
      const { members: found, next } = await members('mortgage_abandoners', query);
      seen.push(...found.map((member) => member.vid));
      if (!next) break;
      query = `?limit=2&cursor=${next}`;
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(expect.arrayContaining(vids));
  });

  it("mirrors a join that follows an alarm with nothing to mirror, and the member's identifiers only when they change", async () => {
    // The visitor's object remembers between alarms that nothing waits and what it last mirrored.
    const visit = batch([consent(true), pageView('https://demo.example/apply')]);
    await post('/v1/collect', visit);
    await runDurableObjectAlarm(visitorStub(env, 'demo', visit.vid));
    const identified = () =>
      env.DB.prepare('SELECT updated, click_ids FROM audience_identities WHERE site = ? AND vid = ?')
        .bind('demo', visit.vid)
        .first<{ updated: number; click_ids: string }>();
    expect(await identified()).toBeNull();

    await post('/v1/collect', batch([formEvent('start', 1), formEvent('step', 2), formEvent('abandon', 2)], { vid: visit.vid }));
    await runDurableObjectAlarm(visitorStub(env, 'demo', visit.vid));
    expect(await eventually(memberIds, (ids) => ids.includes(visit.vid))).toContain(visit.vid);
    const first = await eventually(identified, (row) => row !== null);
    expect(first).not.toBeNull();

    // A page view changes none of the identifiers: their row is not written again.
    await post('/v1/collect', batch([pageView('https://demo.example/rates')], { vid: visit.vid }));
    await runDurableObjectAlarm(visitorStub(env, 'demo', visit.vid));
    expect(await identified()).toEqual(first);

    // A click id does.
    await post('/v1/collect', batch([pageView('https://demo.example/rates?gclid=EAIaIQobChMI8K_x')], { vid: visit.vid }));
    await runDurableObjectAlarm(visitorStub(env, 'demo', visit.vid));
    const second = await eventually(identified, (row) => row!.updated !== first!.updated);
    expect(JSON.parse(second!.click_ids)).toMatchObject({ gclid: { value: 'EAIaIQobChMI8K_x' } });
  });

  it('answers 404 for an audience the rules do not define, 400 for a bad limit, 401 without a key', async () => {
    expect((await get('/v1/audiences/demo/nobody')).status).toBe(404);
    expect((await get('/v1/audiences/demo/mortgage_abandoners?limit=0')).status).toBe(400);
    expect((await get('/v1/audiences/demo/mortgage_abandoners', null)).status).toBe(401);
  });
});
