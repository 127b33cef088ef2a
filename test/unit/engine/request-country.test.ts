// The visitor's country is read from Cloudflare's `cf` object only for rules that read it: a
// condition on request.country (or on the request as a whole), or an offer's reason naming it.
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import type { CompiledRules } from '../../../worker/engine';
import { requestContext } from '../../../worker/http/request-context';
import { compile, demoRules, offer } from '../helpers';

describe('rules read the country', () => {
  it('when a condition reads request.country, or the request object that holds it', () => {
    expect(compile({ offers: [offer('gb', { when: { 'request.country': 'GB' } })] }).readsCountry).toBe(true);
    expect(compile({ segments: [{ id: 'eu', when: { 'request.country': { $in: ['FR', 'DE'] } } }] }).readsCountry).toBe(true);
    expect(compile({ offers: [offer('any', { unless: { request: { $exists: false } } })] }).readsCountry).toBe(true);
  });

  it("when an offer's reason names it", () => {
    expect(compile({ offers: [offer('gb', { because: 'visiting from {request.country}' })] }).readsCountry).toBe(true);
  });

  it('not when the rules read only other parts of the request', () => {
    expect(
      compile({ offers: [offer('mobile', { when: { 'request.device': 'mobile', 'request.path': '/rates' } })] }).readsCountry,
    ).toBe(false);
    expect(compile({ offers: [offer('countries', { when: { 'counters.countries_seen': 2 } })] }).readsCountry).toBe(false);
    expect(demoRules.readsCountry).toBe(false);
  });
});

/** The request context a route builds for `rules`, from a request whose `cf` counts its reads. */
async function contextFor(rules: CompiledRules): Promise<{ context: unknown; cfReads: number }> {
  let cfReads = 0;
  const request = new Request('https://nextbest.test/v1/decide', { headers: { 'user-agent': 'Mozilla/5.0 (iPhone)' } });
  Object.defineProperty(request, 'cf', {
    get: () => (cfReads++, { country: 'GB', asn: 64500 }),
  });
  const app = new Hono().get('/v1/decide', (c) => c.json(requestContext(c, rules)));
  const context = await (await app.fetch(request)).json();
  return { context, cfReads };
}

describe('the request context', () => {
  it("carries the country from Cloudflare's cf object when the rules read it", async () => {
    const rules = compile({ offers: [offer('gb', { when: { 'request.country': 'GB' } })] });
    expect(await contextFor(rules)).toEqual({ context: { device: 'mobile', country: 'GB' }, cfReads: 1 });
  });

  it('leaves cf unread when they do not', async () => {
    expect(await contextFor(demoRules)).toEqual({ context: { device: 'mobile' }, cfReads: 0 });
  });
});
