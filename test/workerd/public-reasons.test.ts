// Public answers (collect and decide without the API key) explain a decision by this visitor's own
// facts and the rules; the priorities and rates drawn from all visitors are for the site's key only.
import { beforeAll, describe, expect, it } from 'vitest';
import { env } from 'cloudflare:workers';
import type { CollectResponse } from '../../worker/schema/collect';
import type { DecideResponse } from '../../worker/schema/decide';
import type { Event } from '../../worker/schema/events';
import { batch, pageView, post, uniqueId } from './helpers';
import { TEST_API_KEY } from './api-keys';
import { utcDate } from '../../worker/lib/time';
import { assign } from '../../worker/engine/experiments';
import { Offer } from '../../rules/schema';
import demo from '../../rules/demo.json';

const keyed = { authorization: `Bearer ${TEST_API_KEY}` };
/** The keyed reason that names this visitor's context's rate among other visitors. */
const CONTEXT_RATE = /^convert rate [\d.]+% among stage=applicant visitors \(\d+ exposed; overall [\d.]+%\)$/;
/** Figures only all visitors together could have produced. */
const SITE_WIDE = /across visitors|among .* visitors|exposed|overall|impressions|priority|propensity|outranked \S+ \(/;

const form = (action: 'start' | 'step' | 'abandon', step: number): Event =>
  ({ id: uniqueId('ev'), ts: Date.now(), type: 'form', form: 'mortgage-app', action, step, steps: 4 }) as Event;

beforeAll(async () => {
  // What other visitors did with the offer this visitor is shown: 400 impressions per arm, by
  // visitors who were applicants then (the demo's offers learn by stage).
  for (const arm of ['a', 'b', '-']) {
    await env.DB.prepare(
      `INSERT INTO offer_visitors (site, offer, arm, vh, day, exposed_at, impressions, clicks, converts, context)
       VALUES ('demo', 'finish-app', ?, ?, ?, ?, 400, 120, 30, 'stage=applicant')`,
    )
      .bind(arm, uniqueId('vh'), utcDate(Date.now()), Date.now())
      .run();
  }
});

const reasonsOf = (decisions: CollectResponse['decisions']) => decisions.offers.flatMap((offer) => offer.reasons);

const finishApp = Offer.parse(demo.offers.find((offer) => offer.id === 'finish-app'));
/** A new visitor id that finish-app's experiment holds out, or shows a variant to. */
function visitorId(heldOut: boolean): string {
  for (;;) {
    const vid = uniqueId('vid');
    if (assign(finishApp, vid).holdout === heldOut) return vid;
  }
}
const abandonedVisit = (vid: string) =>
  batch([pageView('https://demo.example/rates'), form('start', 1), form('step', 2), form('abandon', 2)], {
    vid,
    slots: ['hero', 'sidebar'],
  });

describe('reasons', () => {
  it('in public answers carry no figure drawn from other visitors; the keyed ones do', async () => {
    const visit = abandonedVisit(visitorId(false));
    const collected = await (await post('/v1/collect', visit)).json<CollectResponse>();
    const shown = reasonsOf(collected.decisions);
    expect(collected.decisions.offers.map((o) => o.offer)).toContain('finish-app');
    expect(shown).toContain('form mortgage-app abandoned at step 2');
    expect(shown.filter((reason) => SITE_WIDE.test(reason))).toEqual([]);

    const request = { site: 'demo', vid: visit.vid, slots: ['hero', 'sidebar'] };
    const publicDecide = await (await post('/v1/decide', request)).json<DecideResponse>();
    expect(reasonsOf(publicDecide.decisions).filter((reason) => SITE_WIDE.test(reason))).toEqual([]);
    expect(publicDecide.decisions.offers.map((o) => o.offer)).toEqual(collected.decisions.offers.map((o) => o.offer));

    const keyedDecide = await (await post('/v1/decide', request, keyed)).json<DecideResponse>();
    const full = reasonsOf(keyedDecide.decisions);
    expect(full).toContainEqual(expect.stringMatching(CONTEXT_RATE));
    expect(full.some((reason) => reason.startsWith('priority '))).toBe(true);
  });

  // Held-out visitors are ranked on the variants' pooled rate in their own context, like those shown
  // (a held-out visitor once got the overall rate only: this test then failed for one visitor in ten).
  it('keyed, give a held-out visitor the rate in their context too', async () => {
    const visit = abandonedVisit(visitorId(true));
    await post('/v1/collect', visit);
    const keyedDecide = await (
      await post('/v1/decide', { site: 'demo', vid: visit.vid, slots: ['hero', 'sidebar'] }, keyed)
    ).json<DecideResponse>();
    const held = keyedDecide.decisions.offers.find((offer) => offer.offer === 'finish-app');
    expect(held?.holdout).toBe(true);
    expect(held?.reasons).toContainEqual(expect.stringMatching(CONTEXT_RATE));
  });

  it('with a key that is not valid are the public ones', async () => {
    const visit = batch([pageView('https://demo.example/rates'), form('start', 1), form('step', 2), form('abandon', 2)]);
    await post('/v1/collect', visit);
    const answer = await (
      await post('/v1/decide', { site: 'demo', vid: visit.vid, slots: ['hero'] }, { authorization: 'Bearer not-the-key' })
    ).json<DecideResponse>();
    expect(answer.decisions.offers).not.toEqual([]);
    expect(reasonsOf(answer.decisions).filter((reason) => SITE_WIDE.test(reason))).toEqual([]);
  });
});
