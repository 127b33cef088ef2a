// Retargeting that the ad platforms can use: identifiers on the profile, click ids with ads consent,
// one audience member per person, the platforms' export formats, and an event id per change.
import { describe, expect, it } from 'vitest';
import { env } from 'cloudflare:workers';
import { runDurableObjectAlarm } from 'cloudflare:test';
import { batch, formEvent, get, pageView, post, sign, uniqueId } from './helpers';
import { TEST_API_KEY } from './api-keys';
import type { Event } from '../../worker/schema/events';
import type { CollectResponse } from '../../worker/schema/collect';
import type { Profile } from '../../worker/schema/profile';
import type { AudienceMembers, MetaAudiencePayload } from '../../worker/schema/audiences';
import { userStub, visitorStub } from '../../worker/visitor/stub';
import { webhookMessages } from '../../worker/audiences/webhooks';
import { liveRules } from '../../worker/rules/live';

const DAY = 86_400_000;
const auth = { authorization: `Bearer ${TEST_API_KEY}` };
const sha256 = async (text: string) =>
  [...new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)))]
    .map((b) => b.toString(16).padStart(2, '0'))
    .join('');

// Normalised as the platforms' documents say, then hashed here, apart from the worker's code.
// Google Ads Help, "Format your customer data file": lower-case, no extra spaces, phone in E.164.
const GOOGLE_EXAMPLE = { email: 'test@gmail.com', phone: '+18008888888' };
// Meta's Conversions API page "fbp and fbc parameters": its example click id.
const FBCLID = 'IwAR2F4-dbP0l7Mn1IawQQGCINEz7PYXQvwjNwB_qa2ofrHyiLjcbCRxTDMgk';

const consent = (ads: boolean, ts = Date.now()): Event => ({
  id: uniqueId('ev'),
  ts,
  type: 'track',
  name: 'consent',
  props: { analytics: true, personalization: true, ads },
});
const identify = (uid: string, extra: Partial<Extract<Event, { type: 'identify' }>> = {}): Event => ({
  id: uniqueId('ev'),
  ts: Date.now(),
  type: 'identify',
  uid,
  ...extra,
});
const abandon = (): Event[] => [
  pageView('https://demo.example/apply'),
  formEvent('start', 1),
  formEvent('step', 2),
  formEvent('abandon', 2),
];

async function collect(body: ReturnType<typeof batch>): Promise<CollectResponse> {
  const response = await post('/v1/collect', body);
  expect(response.status).toBe(200);
  return response.json<CollectResponse>();
}

async function profileOf(vid: string): Promise<Profile> {
  const response = await get(`/v1/profile/demo/${vid}`);
  expect(response.status).toBe(200);
  return response.json<Profile>();
}

/** Runs the alarms that mirror memberships to D1: the browsers' and the person's. */
async function mirror(vids: string[], uid?: string) {
  for (const vid of vids) await runDurableObjectAlarm(visitorStub(env, 'demo', vid));
  if (uid) await runDurableObjectAlarm(userStub(env, 'demo', uid));
}

async function allMembers(audience = 'mortgage_abandoners'): Promise<AudienceMembers['members']> {
  const response = await get(`/v1/audiences/demo/${audience}?limit=1000`);
  expect(response.status).toBe(200);
  return (await response.json<AudienceMembers>()).members;
}

/** A person who abandoned the application on one browser and signed in on both, verified. */
async function personOnTwoBrowsers(identifiers: { email?: string; phone?: string } = {}) {
  const uid = await sha256(`jane-${uniqueId()}`);
  const sig = await sign(uid);
  const hashes = {
    ...(identifiers.email ? { email_sha256: await sha256(identifiers.email) } : {}),
    ...(identifiers.phone
      ? { phone_sha256: await sha256(identifiers.phone), phone_digits_sha256: await sha256(identifiers.phone.slice(1)) }
      : {}),
  };
  const laptop = batch([consent(true), ...abandon()]);
  const phone = batch([consent(true), pageView('https://demo.example/')]);
  await collect(laptop);
  await collect(phone);
  // Both browsers are members on their own first: the laptop's membership is mirrored before the link.
  await mirror([laptop.vid]);
  await collect({ ...laptop, events: [identify(uid, { sig, ...hashes })] });
  const answer = await collect({ ...phone, events: [identify(uid, { sig })] });
  await mirror([laptop.vid, phone.vid], uid);
  return { uid, laptop: laptop.vid, phone: phone.vid, answer, hashes };
}

describe('identifiers for ad platforms', () => {
  it("a verified identify keeps the hashed e-mail and phone on the person's profile", async () => {
    const { laptop, phone, hashes } = await personOnTwoBrowsers(GOOGLE_EXAMPLE);
    for (const vid of [laptop, phone]) expect((await profileOf(vid)).state).toMatchObject(hashes);
  });

  it('an unverified identify never writes them, on its browser or into the person', async () => {
    const { uid, laptop } = await personOnTwoBrowsers();
    const email_sha256 = await sha256('victim@example.com');
    const attacker = batch([identify(uid, { email_sha256, phone_sha256: await sha256('+14155550100') })]);
    await collect(attacker);
    expect((await profileOf(attacker.vid)).state.email_sha256).toBeUndefined();
    expect(JSON.stringify(await profileOf(attacker.vid))).not.toContain(email_sha256);
    // Nor through a browser already linked to the person, without a signature.
    await collect({ ...batch([]), vid: laptop, events: [identify(uid, { email_sha256 })] });
    expect((await profileOf(laptop)).state.email_sha256).toBeUndefined();
  });

  it('POST /v1/identify stores them with the API key, and erasure removes them with the membership', async () => {
    const visit = batch([consent(true), ...abandon()]);
    await collect(visit);
    const uid = await sha256(`sam-${uniqueId()}`);
    const email_sha256 = await sha256('sam@example.com');
    const answer = await post('/v1/identify', { site: 'demo', vid: visit.vid, uid, email_sha256 }, auth);
    expect(answer.status).toBe(200);
    expect((await profileOf(visit.vid)).state.email_sha256).toBe(email_sha256);
    await mirror([visit.vid], uid);
    expect((await allMembers()).find((m) => m.key === uid)).toMatchObject({ email_sha256, vids: [visit.vid] });

    expect((await get(`/v1/profile/demo/${visit.vid}`, TEST_API_KEY, 'DELETE')).status).toBe(200);
    expect((await allMembers()).some((m) => m.key === uid || m.vids.includes(visit.vid))).toBe(false);
    const left = await env.DB.prepare('SELECT count(*) AS n FROM audience_identities WHERE vid IN (?, ?)')
      .bind(visit.vid, `uid:${uid}`)
      .first<{ n: number }>();
    expect(left?.n).toBe(0);
  });
});

describe('click ids', () => {
  const landing = `https://demo.example/rates?gclid=EAIaIQobChMI8K_x&fbclid=${FBCLID}&msclkid=0123456789abcdef0123456789abcdef`;

  it('are kept with their time with ads consent, fbclid as fbc, the cookies too, unmasked', async () => {
    const visit = batch([
      consent(true),
      pageView(landing, { ad_cookies: { fbp: 'fb.1.1596403881668.1116446470' } } as Partial<Event>),
    ]);
    await collect(visit);
    const { click_ids } = (await profileOf(visit.vid)).state;
    const at = click_ids!.gclid!.at;
    expect(click_ids).toEqual({
      gclid: { value: 'EAIaIQobChMI8K_x', at },
      fbc: { value: `fb.1.${at}.${FBCLID}`, at },
      msclkid: { value: '0123456789abcdef0123456789abcdef', at },
      fbp: { value: 'fb.1.1596403881668.1116446470', at },
    });
  });

  it("follow the page's consent sent with each batch, and keep it when the browser's events move to its person", async () => {
    const ALL = { analytics: true, personalization: true, ads: true };
    // The snippet's default mode: no consent call, the consent in effect on every batch.
    const laptop = batch([pageView(landing), ...abandon()], { consent: ALL });
    await collect(laptop);
    expect((await profileOf(laptop.vid)).state.click_ids?.gclid?.value).toBe('EAIaIQobChMI8K_x');
    expect((await profileOf(laptop.vid)).state.audiences).toHaveProperty('mortgage_abandoners');
    // Signed in (verified): the person's profile refolds the laptop's stored events with their consent.
    const uid = await sha256(`jane-${uniqueId()}`);
    await collect({ ...laptop, events: [identify(uid, { sig: await sign(uid) })] });
    const person = await profileOf(laptop.vid);
    expect(person.state.click_ids?.gclid?.value).toBe('EAIaIQobChMI8K_x');
    expect(person.state.audiences.mortgage_abandoners?.left).toBeUndefined();
    // Under GPC the same batch keeps no click id, whatever the body says.
    const gpc = batch([pageView(landing)], { consent: ALL });
    const response = await post('/v1/collect', gpc, { 'sec-gpc': '1' });
    expect(response.status).toBe(200);
    expect((await profileOf(gpc.vid)).state.click_ids).toBeUndefined();
  });

  it('are never stored without ads consent', async () => {
    for (const events of [[pageView(landing)], [consent(false), pageView(landing)]]) {
      const visit = batch(events);
      await collect(visit);
      const profile = await profileOf(visit.vid);
      expect(profile.state.click_ids).toBeUndefined();
    }
  });

  it('are dropped after 90 days', async () => {
    const vid = uniqueId('vid');
    const ts = Date.now() - 91 * DAY;
    const events = [consent(true, ts - 1000), { ...pageView(landing), ts }];
    expect((await post('/v1/events/demo', { vid, events }, auth)).status).toBe(200);
    expect((await profileOf(vid)).state.click_ids).toBeUndefined();
    const recent = { ...pageView('https://demo.example/?gclid=EAIaIQobChMIrecent'), ts: Date.now() - 89 * DAY };
    await post('/v1/events/demo', { vid, events: [recent] }, auth);
    expect(Object.keys((await profileOf(vid)).state.click_ids ?? {})).toEqual(['gclid']);
  });
});

describe('person-level membership', () => {
  it('lists a person on two browsers once, keyed by uid, with both browsers', async () => {
    const { uid, laptop, phone } = await personOnTwoBrowsers(GOOGLE_EXAMPLE);
    const members = await allMembers();
    const theirs = members.filter(
      (m) => m.key === uid || m.vids.some((vid) => [laptop, phone].includes(vid)) || m.vid === laptop,
    );
    expect(theirs).toHaveLength(1);
    expect(theirs[0]).toMatchObject({ key: uid, uid, vid: `uid:${uid}` });
    expect([...theirs[0].vids].sort()).toEqual([laptop, phone].sort());
    // The laptop's own membership, mirrored before the link, is closed, not listed.
    const row = await env.DB.prepare('SELECT left_at FROM audience_members WHERE site = ? AND audience = ? AND vid = ?')
      .bind('demo', 'mortgage_abandoners', laptop)
      .first<{ left_at: number | null }>();
    expect(row?.left_at).not.toBeNull();
  });

  it('leaves when the merged history says so, whichever browser the exit came from', async () => {
    const { uid, phone } = await personOnTwoBrowsers();
    await collect({ ...batch([]), vid: phone, events: [formEvent('submit', 4)] });
    await mirror([], uid);
    expect((await allMembers()).some((m) => m.key === uid)).toBe(false);
  });

  it('gives the join the same event id in the collect answer, the list and the webhook', async () => {
    const { uid, answer } = await personOnTwoBrowsers();
    const join = answer.decisions.audiences.join.find((a) => a.id === 'mortgage_abandoners')!;
    expect(join.event_id).toMatch(/^[0-9a-f]{32}$/);
    const listed = (await allMembers()).find((m) => m.key === uid)!;
    expect(listed.event_id).toBe(join.event_id);
    const live = await liveRules.site(env, 'demo');
    const source = {
      ...live!.rules.source,
      audiences: live!.rules.source.audiences.map((a) => ({ ...a, webhook: 'https://ads.example/in' })),
    };
    const [hook] = webhookMessages(
      { ...live!.rules, source },
      [
        {
          site: 'demo',
          audience: 'mortgage_abandoners',
          vid: listed.vid,
          uid,
          member: { joined: listed.joined, expires: listed.expires },
        },
      ],
      Date.now(),
    );
    expect(hook.member.event_id).toBe(join.event_id);
  });
});

/**
 * An export of the audience with the members it should hold. Members still being mirrored may join
 * between two reads: the export is compared with the members read on both sides of it, once they agree.
 */
async function exportWithMembers(format: string) {
  let all = await allMembers();
  let response = await get(`/v1/audiences/demo/mortgage_abandoners?format=${format}`);
  for (let tries = 0; tries < 20; tries++) {
    const after = await allMembers();
    if (after.length === all.length) break;
    all = after;
    response = await get(`/v1/audiences/demo/mortgage_abandoners?format=${format}`);
  }
  return { all, response };
}

describe('exports', () => {
  it("google_customer_match: a CSV with Google's Email and Phone headers, the documents' example hashed, the unmatched counted", async () => {
    const { uid } = await personOnTwoBrowsers(GOOGLE_EXAMPLE);
    const anonymous = batch([consent(true), ...abandon()]);
    await collect(anonymous);
    await mirror([anonymous.vid]);
    const { all, response } = await exportWithMembers('google_customer_match');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(response.headers.get('content-disposition')).toBe(
      'attachment; filename="demo-mortgage_abandoners-customer-match.csv"',
    );
    const csv = await response.text();
    const [header, ...rows] = csv.split('\r\n');
    expect(header).toBe('Email,Phone');
    expect(csv.endsWith('\r\n')).toBe(true);
    // test@gmail.com and +18008888888, hashed: what the exported row must hold.
    expect(rows).toContain(`${await sha256('test@gmail.com')},${await sha256('+18008888888')}`);
    expect(rows).toContain('87924606b4131a8aceeeae8868531fbb9712aaa07a5d3a756b26ce0f5d6ca674,' + (await sha256('+18008888888')));
    const matched = all.filter((m) => m.email_sha256 || m.phone_sha256).length;
    expect(rows.filter(Boolean)).toHaveLength(matched);
    expect(Number(response.headers.get('x-nextbest-unmatched'))).toBe(all.length - matched);
    expect(all.find((m) => m.vid === anonymous.vid)).toMatchObject({ email_sha256: null, phone_sha256: null });
    expect(all.some((m) => m.key === uid)).toBe(true);
  });

  it("meta_custom_audience: the users endpoint payload, Meta's own examples in it, phones as digits without the +", async () => {
    await personOnTwoBrowsers({ email: 'john_smith@gmail.com', phone: '+16505551212' });
    const phoneOnly = await personOnTwoBrowsers({ phone: '+14155550100' });
    const { all, response } = await exportWithMembers('meta_custom_audience');
    expect(response.status).toBe(200);
    const payload = await response.json<MetaAudiencePayload>();
    expect(payload.schema).toEqual(['EMAIL', 'PHONE']);
    expect(Object.keys(payload)).toEqual(['schema', 'data']);
    // Meta's Conversions API "Customer information parameters" examples: "John_Smith@gmail.com" and
    // the US number "(650)555-1212", normalised "16505551212", with the digests Meta prints.
    expect(payload.data).toContainEqual([
      '62a14e44f765419d10fea99367361a727c12365e2520f32218d505ed9aa0f62f',
      'e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab3176',
    ]);
    expect(payload.data).toContainEqual(['', phoneOnly.hashes.phone_digits_sha256]);
    // Never Google's E.164 hash, which Meta cannot match.
    expect(payload.data.flat()).not.toContain(phoneOnly.hashes.phone_sha256);
    const matched = all.filter((m) => m.email_sha256 || m.phone_digits_sha256);
    expect(payload.data).toHaveLength(matched.length);
    expect(Number(response.headers.get('x-nextbest-unmatched'))).toBe(all.length - matched.length);
  });

  it('json: each member with uid, hashes, click ids and consent; unmatched counted; pages by cursor', async () => {
    await personOnTwoBrowsers(GOOGLE_EXAMPLE);
    await personOnTwoBrowsers();
    const first = await (await get('/v1/audiences/demo/mortgage_abandoners?limit=1')).json<AudienceMembers>();
    expect(first.members).toHaveLength(1);
    expect(first.members[0]).toHaveProperty('consent');
    expect(first.members[0]).toHaveProperty('click_ids');
    expect(first.unmatched).toBe(first.members[0].email_sha256 || first.members[0].phone_sha256 ? 0 : 1);
    expect(first.next).not.toBeNull();
    const second = await (
      await get(`/v1/audiences/demo/mortgage_abandoners?limit=1&cursor=${first.next}`)
    ).json<AudienceMembers>();
    expect(second.members[0].vid > first.members[0].vid).toBe(true);
    expect((await get('/v1/audiences/demo/mortgage_abandoners?limit=5000')).status).toBe(400);
    expect((await get('/v1/audiences/demo/mortgage_abandoners?format=csv')).status).toBe(400);
  });
});
