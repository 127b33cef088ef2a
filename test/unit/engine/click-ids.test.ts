import { describe, expect, it } from 'vitest';
import { clickIdsOf, currentClickIds, fbcOf, noteClickIds } from '../../../worker/engine/click-ids';
import { keepAdIds, keepClickIds } from '../../../worker/lib/click-ids';
import { scrubEvent } from '../../../worker/lib/scrub';
import { newVisitor } from '../../../worker/engine/state';
import type { Event } from '../../../worker/schema/events';

const T0 = 1_764_000_000_000;
const DAY = 86_400_000;
const page = (url: string, ad_cookies?: { fbp?: string; gcl_aw?: string }): Extract<Event, { type: 'page' }> => ({
  id: 'ev_00000001',
  ts: T0,
  type: 'page',
  url,
  ...(ad_cookies ? { ad_cookies } : {}),
});
// Meta's own examples ("fbp and fbc parameters", Conversions API): a landing URL and an _fbp value.
const FBCLID = 'IwAR2F4-dbP0l7Mn1IawQQGCINEz7PYXQvwjNwB_qa2ofrHyiLjcbCRxTDMgk';
const FBP = 'fb.1.1596403881668.1116446470';

describe('clickIdsOf', () => {
  it.each<[string, ReturnType<typeof page>, Record<string, string>]>([
    [
      'a Google click',
      page('https://lender.example/rates?gclid=EAIaIQobChMI8K_x&utm_source=google'),
      { gclid: 'EAIaIQobChMI8K_x' },
    ],
    [
      'iOS and web-to-app clicks',
      page('https://lender.example/?gbraid=0AAAAAoRAbc1&wbraid=CjkKCQiA9'),
      { gbraid: '0AAAAAoRAbc1', wbraid: 'CjkKCQiA9' },
    ],
    ["Meta's click id, kept raw here (fbc is made when stored)", page(`https://example.com/?fbclid=${FBCLID}`), { fbc: FBCLID }],
    [
      'a Microsoft click',
      page('https://lender.example/?msclkid=1234567890abcdef1234567890abcdef'),
      { msclkid: '1234567890abcdef1234567890abcdef' },
    ],
    [
      'the ad cookies',
      page('https://lender.example/', { fbp: FBP, gcl_aw: 'GCL.1764000000.EAIaIQobChMI8K_x' }),
      { fbp: FBP, gcl_aw: 'GCL.1764000000.EAIaIQobChMI8K_x' },
    ],
    ['no click', page('https://lender.example/rates?utm_source=newsletter'), {}],
    ['a number typed into a click id parameter', page('https://lender.example/?gclid=4155550100'), {}],
    ['an address in a click id parameter', page('https://lender.example/?fbclid=jane%40example.com'), {}],
    ['cookies of another shape', page('https://lender.example/', { fbp: 'jane@example.com', gcl_aw: '1.2.3' }), {}],
    ['an empty value', page('https://lender.example/?gclid='), {}],
  ])('%s', (_, event, expected) => {
    expect(clickIdsOf(event)).toEqual(expected);
  });
});

describe('noteClickIds', () => {
  const withAds = (ads: boolean | undefined) => ({ ...newVisitor('v', T0), consent: ads === undefined ? {} : { ads } });

  it("stores Meta's fbclid as its fbc value, with the time of the click", () => {
    const state = withAds(true);
    noteClickIds(state, page(`https://example.com/?fbclid=${FBCLID}`), T0);
    expect(state.click_ids).toEqual({ fbc: { value: `fb.1.${T0}.${FBCLID}`, at: T0 } });
    expect(fbcOf('abc', 1554763741205)).toBe('fb.1.1554763741205.abc');
  });

  it.each([
    ['refused', false],
    ['unknown', undefined],
  ])('stores nothing when ads consent is %s', (_, ads) => {
    const state = withAds(ads);
    noteClickIds(state, page('https://lender.example/?gclid=EAIaIQobChMI8K_x', { fbp: FBP }), T0);
    expect(state.click_ids).toBeUndefined();
  });

  it('drops what it holds when ads consent is withdrawn', () => {
    const state = withAds(true);
    noteClickIds(state, page('https://lender.example/?gclid=EAIaIQobChMI8K_x'), T0);
    state.consent.ads = false;
    noteClickIds(state, { id: 'ev_00000002', ts: T0, type: 'track', name: 'consent' }, T0 + 1);
    expect(state.click_ids).toBeUndefined();
  });

  it('keeps the first time of a click seen again and replaces an older click by a newer one', () => {
    const state = withAds(true);
    noteClickIds(state, page(`https://example.com/?fbclid=${FBCLID}&gclid=EAIaIQobChMI8K_x`), T0);
    noteClickIds(state, page(`https://example.com/?fbclid=${FBCLID}&gclid=EAIaIQobChMInewer`), T0 + DAY);
    expect(state.click_ids).toEqual({
      fbc: { value: `fb.1.${T0}.${FBCLID}`, at: T0 },
      gclid: { value: 'EAIaIQobChMInewer', at: T0 + DAY },
    });
  });

  it('drops ids past 90 days on the next write, and readers never see them', () => {
    const state = withAds(true);
    noteClickIds(state, page('https://lender.example/?gclid=EAIaIQobChMI8K_x'), T0);
    expect(currentClickIds(state.click_ids, T0 + 90 * DAY - 1)).toHaveProperty('gclid');
    expect(currentClickIds(state.click_ids, T0 + 90 * DAY)).toEqual({});
    noteClickIds(state, page('https://lender.example/rates'), T0 + 90 * DAY);
    expect(state.click_ids).toBeUndefined();
  });
});

describe('keepClickIds', () => {
  it('puts back what the scrub masked in an id, and nothing that is not one', () => {
    const url = 'https://lender.example/apply?msclkid=0123456789abcdef0123456789abcdef&phone=4155550100&gclid=4155550100';
    const scrubbed = scrubEvent(page(url)).url;
    expect(scrubbed).toBe('https://lender.example/apply?msclkid=_abcdef_abcdef&phone=_&gclid=_');
    expect(keepClickIds(scrubbed, url)).toBe(
      'https://lender.example/apply?msclkid=0123456789abcdef0123456789abcdef&phone=_&gclid=_',
    );
  });

  it("keeps ad cookies of their platforms' shapes unmasked and drops others", () => {
    const event = page('https://lender.example/', { fbp: FBP, gcl_aw: 'jane 415 555 0100 x' });
    expect(keepAdIds(scrubEvent(event), event)).toMatchObject({ ad_cookies: { fbp: FBP } });
    expect(keepAdIds(scrubEvent(event), event).ad_cookies).not.toHaveProperty('gcl_aw');
  });
});
