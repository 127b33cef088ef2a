// The impact preview of a draft: seeded visitors whose changes under the draft are known, replayed
// by their own Durable Objects; nothing about them is written; and how long 1,000 visitors take.
import { runDurableObjectAlarm } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { visitorStub } from '../../worker/visitor/stub';
import { DAY_MS } from '../../worker/lib/time';
import { batch, formEvent, get, pageView, post, uniqueId } from './helpers';
import { TEST_API_KEY } from './api-keys';
import type { Event } from '../../worker/schema/events';

type Doc = Record<string, any>;
const auth = { authorization: `Bearer ${TEST_API_KEY}` };

interface Kind {
  visitors: number;
  transitions: Record<string, number>;
  examples: Array<{
    visitor: string;
    slot?: string;
    before: string;
    after: string;
    reasons_before: string[];
    reasons_after: string[];
  }>;
}
interface PreviewBody {
  live_version: number;
  sample: { visitors: number; profiles: number };
  changed: number;
  stage: Kind;
  segments: Kind;
  offers: Kind;
  audiences: Kind;
  elapsed_ms: number;
}

/** A visitor who sends these events, then whose alarm runs (the outbox, and the active-visitors row). */
async function visitor(events: Event[]): Promise<string> {
  const vid = uniqueId('vid');
  expect((await post('/v1/collect', batch(events, { vid }), auth)).status).toBe(200);
  await runDurableObjectAlarm(visitorStub(env, 'demo', vid));
  return vid;
}

/** Consent to ads, which the demo's audiences require. */
const adsConsent = () =>
  ({
    id: uniqueId('ev'),
    ts: Date.now(),
    type: 'track',
    name: 'consent',
    props: { analytics: true, personalization: true, ads: true },
  }) as const;
const abandoned = () => [
  adsConsent(),
  pageView(),
  formEvent('start'),
  formEvent('step', 2),
  formEvent('step', 3),
  formEvent('abandon', 3),
];
const returning = () => [pageView('https://demo.example/'), pageView('https://demo.example/about')];

/** The live document with: finish-app only past step 3, engaged from 3 pages, abandoners from step 4. */
function draftOf(live: Doc): Doc {
  const draft = structuredClone(live);
  const finish = draft.offers.find((offer: Doc) => offer.id === 'finish-app');
  finish.when['forms.mortgage-app.abandoned_step'] = { $gte: 4 };
  const engaged = draft.stages.find((stage: Doc) => stage.id === 'engaged');
  engaged.when = { 'counters.pages': { $gte: 3 } };
  const abandoners = draft.audiences.find((audience: Doc) => audience.id === 'mortgage_abandoners');
  abandoners.when['forms.mortgage-app.furthest'] = { $gte: 4 };
  return draft;
}

async function preview(draft: unknown, query = ''): Promise<Response> {
  return post(`/v1/rules/demo/preview${query}`, draft, auth);
}

// Seeding is what takes time here (a collect and an alarm per visitor); the figure for 1,000 is in README.
const SCALE = 100;

describe('rules preview', () => {
  it('counts the visitors whose stage, offers and audiences the draft changes, with reasons before and after', async () => {
    const a = await visitor(abandoned()); // finish-app; a mortgage abandoner
    const c = await visitor(returning()); // engaged by two pages
    const b = await visitor([pageView()]); // one page: nothing in the draft concerns them
    // Like `a`, but last active 8 days ago: outside the sample.
    const old = await visitor(abandoned());
    await env.DB.prepare('UPDATE active_visitors SET last_at = ? WHERE object = ?')
      .bind(Date.now() - 8 * DAY_MS, visitorStub(env, 'demo', old).id.toString())
      .run();
    const profileBefore = await (await get(`/v1/profile/demo/${a}`)).json();

    const live = (await (await get('/v1/rules/demo')).json()) as { version: number; rules: Doc };
    const res = await preview(draftOf(live.rules));
    expect(res.status).toBe(200);
    const body = (await res.json()) as PreviewBody;
    expect(body.live_version).toBe(live.version);
    expect(body.sample).toMatchObject({ visitors: 3, profiles: 3 });

    expect(body.stage.visitors).toBe(1);
    expect(body.stage.transitions).toEqual({ 'engaged → anonymous': 1 });
    expect(body.stage.examples[0]).toMatchObject({ visitor: c, before: 'engaged', after: 'anonymous' });
    expect(body.stage.examples[0].reasons_before[0]).toMatch(/^score /);

    expect(body.offers.visitors).toBe(1);
    const hero = body.offers.examples.find((change) => change.slot === 'hero')!;
    expect(hero).toMatchObject({ visitor: a });
    expect(hero.before).toMatch(/^finish-app/);
    expect(hero.after).not.toMatch(/^finish-app/);
    expect(hero.reasons_before.join(' ')).toContain('abandoned at step 3');

    expect(body.audiences).toMatchObject({ visitors: 1, examples: [{ visitor: a }] });
    expect(body.audiences.examples[0].before).toContain('mortgage_abandoners');
    expect(body.audiences.examples[0].after).not.toContain('mortgage_abandoners');
    expect(body.segments.visitors).toBe(0);
    expect(body.changed).toBe(2);
    expect(JSON.stringify(body)).not.toContain(b);

    // Nothing was written: the profile is as it was, and the live rules too.
    expect(await (await get(`/v1/profile/demo/${a}`)).json()).toEqual(profileBefore);
    expect(((await (await get('/v1/rules/demo')).json()) as { version: number }).version).toBe(live.version);

    // The live document against itself changes nothing.
    const same = (await (await preview(live.rules)).json()) as PreviewBody;
    expect(same.changed).toBe(0);
  });

  it('refuses a bad draft with every problem, and bounds the sample', async () => {
    const res = await preview({ origins: 'nope' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('invalid_rules');
    expect((await preview({}, '?sample=1001')).status).toBe(400);
    const live = (await (await get('/v1/rules/demo')).json()) as { rules: Doc };
    const one = (await (await preview(draftOf(live.rules), '?sample=1')).json()) as PreviewBody;
    expect(one.sample.visitors).toBe(1);
  });

  it('replays a few hundred visitors in one request', { timeout: 300_000 }, async () => {
    const vids: string[] = [];
    for (let i = 0; i < SCALE; i += 50) {
      const chunk = Array.from({ length: 50 }, (_, j) =>
        (i + j) % 3 === 0 ? abandoned() : (i + j) % 3 === 1 ? returning() : [pageView()],
      );
      vids.push(...(await Promise.all(chunk.map((events) => visitor(events)))));
    }
    const live = (await (await get('/v1/rules/demo')).json()) as { rules: Doc };
    const started = performance.now();
    const body = (await (await preview(draftOf(live.rules))).json()) as PreviewBody;
    const wall = performance.now() - started;
    console.log(`rules preview of ${body.sample.visitors} visitors: ${Math.round(wall)} ms wall, elapsed_ms ${body.elapsed_ms}`);
    // The three of the first test, and these; the one last active 8 days ago was pruned.
    expect(body.sample.visitors).toBe(SCALE + 3);
    expect(body.stage.examples.length).toBeLessThanOrEqual(20);
    expect(body.offers.examples.length).toBe(20);
  });
});
