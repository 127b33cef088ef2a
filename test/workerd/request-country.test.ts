// The country Cloudflare reports for a request reaches the rules that read it (the routes read it
// only for them: test/unit/engine/request-country.test.ts), in collect and decide alike.
import { exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CollectResponse } from '../../worker/schema/collect';
import type { DecideResponse } from '../../worker/schema/decide';
import { batch, BROWSER_USER_AGENT, get, pageView } from './helpers';
import { TEST_API_KEY } from './api-keys';

const SITE = 'country-test';

function send(path: string, body: unknown, country: string): Promise<Response> {
  return exports.default.fetch(
    new Request(`https://nextbest.test${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': BROWSER_USER_AGENT },
      body: JSON.stringify(body),
      cf: { country },
    }),
  );
}

beforeAll(async () => {
  const { rules } = await (await get('/v1/rules/demo')).json<{ rules: { offers: unknown[] } }>();
  const inTheUk = {
    id: 'uk-isa',
    slots: ['hero'],
    when: { 'request.country': 'GB' },
    because: 'visiting from {request.country}',
    propensity: 0.9,
    value: 1000,
    banner: { title: 'Open a cash ISA', placement: 'slot' },
  };
  const published = await exports.default.fetch(
    new Request(`https://nextbest.test/v1/rules/${SITE}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_API_KEY}` },
      body: JSON.stringify({ ...rules, offers: [inTheUk, ...rules.offers] }),
    }),
  );
  expect(published.status).toBe(200);
});

describe("an offer for one country's visitors", () => {
  it('is collected and decided for a request from that country, with the country in its reason', async () => {
    const visit = batch([pageView('https://demo.example/')], { site: SITE });
    const collected = await (await send('/v1/collect', visit, 'GB')).json<CollectResponse>();
    expect(collected.decisions.offers[0]).toMatchObject({
      offer: 'uk-isa',
      reasons: expect.arrayContaining(['visiting from GB']),
    });
    const decided = await (
      await send('/v1/decide', { site: SITE, vid: visit.vid, slots: ['hero'] }, 'GB')
    ).json<DecideResponse>();
    expect(decided.decisions.offers[0]).toMatchObject({ offer: 'uk-isa' });
  });

  it('is not shown to a request from elsewhere', async () => {
    const visit = batch([pageView('https://demo.example/')], { site: SITE });
    const collected = await (await send('/v1/collect', visit, 'FR')).json<CollectResponse>();
    expect(collected.decisions.offers.map((offer) => offer.offer)).not.toContain('uk-isa');
    const decided = await (
      await send('/v1/decide', { site: SITE, vid: visit.vid, slots: ['hero'] }, 'FR')
    ).json<DecideResponse>();
    expect(decided.decisions.offers.map((offer) => offer.offer)).not.toContain('uk-isa');
  });
});
