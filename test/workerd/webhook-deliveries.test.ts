// What a webhook receiver can rely on: one delivery_id across the queue's retries, the site's own
// secret, https targets only, a delivery that fails its last retry kept in D1, listed and replayed
// with the same id, and nothing of an erased person left in what is kept.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { env, exports } from 'cloudflare:workers';
import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test';
import { deliverWebhooks, signature, WEBHOOK_ATTEMPTS, type WebhookMessage } from '../../worker/audiences/webhooks';
import { keepFailed } from '../../worker/audiences/failed';
import { eraseVisitorRows } from '../../worker/analytics/erase';
import { app } from '../../worker/index';
import type { Env } from '../../worker/env';
import type { WebhookPayload } from '../../worker/schema/audiences';
import type { FailedDeliveries, Replay } from '../../worker/schema/webhooks';
import { receive, verifyDelivery } from '../../examples/webhook-receiver/verify.mjs';
import { TEST_API_KEY } from './api-keys';
import { uniqueId } from './helpers';

const SECRET = 'demo-webhook-secret-for-the-workers-runtime-tests';
const FALLBACK = 'the-fallback-webhook-secret-of-every-other-site';
const HOOK = 'https://ads.example/hooks/abandoners';
const auth = { authorization: `Bearer ${TEST_API_KEY}` };
/** The worker's environment with the demo's webhook secret and a fallback for the other sites. */
const withSecrets: Env = { ...env, NB_WEBHOOK_SECRETS: JSON.stringify({ demo: SECRET }), NB_WEBHOOK_SECRET: FALLBACK };

const member = (vid: string, joined = Date.now() - 60_000) => ({
  vid,
  uid: null,
  joined,
  expires: joined + 86_400_000,
  event_id: `event-${vid}`,
});
function message(id: string, attempts: number, change: WebhookMessage['change'] = 'join', site = 'demo') {
  return {
    id,
    timestamp: new Date(),
    attempts,
    body: { site, audience: 'mortgage_abandoners', url: HOOK, change, member: member(`vid-${id}`, 1_000) },
  };
}

interface Received {
  url: string;
  headers: Headers;
  body: string;
}
/** The receiver, a third party's server: only its answers are faked, one per request, the last repeated. */
function receiver(...statuses: number[]): Received[] {
  const received: Received[] = [];
  vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
    received.push({ url: String(input), headers: new Headers(init?.headers), body: String(init?.body) });
    return new Response(null, { status: statuses[Math.min(received.length, statuses.length) - 1] });
  });
  return received;
}

const deliveryOf = (r: Received) => (JSON.parse(r.body) as WebhookPayload).delivery_id;

/** What the consumer did with each message: acknowledged, or retried after how many seconds. */
async function queueResult(batch: MessageBatch<WebhookMessage>, run: () => Promise<void>) {
  const retries = batch.messages.map((m) => vi.spyOn(m, 'retry'));
  await run();
  const result = await getQueueResult(batch, createExecutionContext());
  return {
    acked: [...result.explicitAcks].sort(),
    retried: batch.messages.flatMap((m, i) => retries[i].mock.calls.map(([options]) => [m.id, options?.delaySeconds])),
  };
}

/** A request to the app with the webhook secrets set (the test config sets none). */
const request = (path: string, method = 'GET') => app.request(path, { method, headers: auth }, withSecrets);

async function failed(site = 'demo', query = ''): Promise<FailedDeliveries> {
  const res = await request(`/v1/webhooks/${site}/failed${query}`);
  expect(res.status).toBe(200);
  return res.json();
}

/** Publishes the demo's rules with `webhook` (or none) on mortgage_abandoners, as PUT /v1/rules does. */
async function publishWebhook(webhook: string | undefined): Promise<Response> {
  const live = (await (
    await exports.default.fetch(new Request('https://nextbest.test/v1/rules/demo', { headers: auth }))
  ).json()) as {
    rules: { audiences: Array<{ id: string; webhook?: string }> };
  };
  const rules = structuredClone(live.rules);
  const audience = rules.audiences.find((a) => a.id === 'mortgage_abandoners')!;
  if (webhook === undefined) delete audience.webhook;
  else audience.webhook = webhook;
  return exports.default.fetch(
    new Request('https://nextbest.test/v1/rules/demo', {
      method: 'PUT',
      headers: { 'content-type': 'application/json', ...auth },
      body: JSON.stringify(rules),
    }),
  );
}

/** A delivery kept as the consumer keeps it after its last retry. */
async function kept(join: ReturnType<typeof member>[], leave: ReturnType<typeof member>[] = [], failedAt = Date.now()) {
  const payload: WebhookPayload = {
    delivery_id: crypto.randomUUID().replaceAll('-', ''),
    site: 'demo',
    audience: 'mortgage_abandoners',
    sent_at: failedAt,
    join,
    leave,
  };
  await keepFailed(env.DB, {
    site: 'demo',
    delivery_id: payload.delivery_id,
    audience: 'mortgage_abandoners',
    url: 'https://old.example/hook',
    payload,
    attempts: WEBHOOK_ATTEMPTS,
    last_status: 500,
    last_error: 'https://old.example/hook answered 500',
    failed_at: failedAt,
  });
  return payload;
}

afterEach(() => vi.restoreAllMocks());

describe('delivery ids', () => {
  it('are the same on every retry of the same changes, in whatever order they come back, and differ for others', async () => {
    const received = receiver(503, 503, 204);
    const first = createMessageBatch<WebhookMessage>('nextbest-webhooks', [message('a', 1), message('b', 1)]);
    // Retried together, with one delay, so that they come back as one delivery.
    expect((await queueResult(first, () => deliverWebhooks(first, withSecrets))).retried).toEqual([
      ['a', 20],
      ['b', 20],
    ]);
    const second = createMessageBatch<WebhookMessage>('nextbest-webhooks', [message('b', 2), message('a', 2)]);
    expect((await queueResult(second, () => deliverWebhooks(second, withSecrets))).retried).toEqual([
      ['b', 40],
      ['a', 40],
    ]);
    const third = createMessageBatch<WebhookMessage>('nextbest-webhooks', [message('a', 3), message('b', 3)]);
    expect((await queueResult(third, () => deliverWebhooks(third, withSecrets))).acked).toEqual(['a', 'b']);

    const ids = received.map(deliveryOf);
    expect(ids[0]).toMatch(/^[0-9a-f]{32}$/);
    expect(new Set(ids)).toEqual(new Set([ids[0]]));
    expect(received.map((r) => r.headers.get('x-nextbest-delivery'))).toEqual(ids);

    const other = createMessageBatch<WebhookMessage>('nextbest-webhooks', [message('a', 1), message('c', 1)]);
    await deliverWebhooks(other, withSecrets);
    expect(deliveryOf(received[3])).not.toBe(ids[0]);
  });
});

describe('per-site secrets', () => {
  it("signs with the site's own secret, and the sites NB_WEBHOOK_SECRETS does not name with NB_WEBHOOK_SECRET", async () => {
    const received = receiver(204);
    const batch = createMessageBatch<WebhookMessage>('nextbest-webhooks', [message('a', 1), message('b', 1, 'join', 'acme')]);
    await deliverWebhooks(batch, withSecrets, 5_000);
    const bySite = (site: string) => received.find((r) => (JSON.parse(r.body) as WebhookPayload).site === site)!;
    const [demo, acme] = [bySite('demo'), bySite('acme')];
    expect(demo.headers.get('x-nextbest-signature')).toBe(await signature(SECRET, '5000', demo.body));
    expect(acme.headers.get('x-nextbest-signature')).toBe(await signature(FALLBACK, '5000', acme.body));
  });

  it('signs with each secret while one is rotated, so a receiver that knows either accepts it', async () => {
    const received = receiver(204);
    const rotating = { ...withSecrets, NB_WEBHOOK_SECRETS: JSON.stringify({ demo: [`new-${SECRET}`, SECRET] }) };
    await deliverWebhooks(createMessageBatch<WebhookMessage>('nextbest-webhooks', [message('a', 1)]), rotating, 5_000);
    const { headers, body } = received[0];
    expect(headers.get('x-nextbest-signature')).toBe(
      `${await signature(`new-${SECRET}`, '5000', body)}, ${await signature(SECRET, '5000', body)}`,
    );
  });

  it('sends nothing while NB_WEBHOOK_SECRETS does not parse, rather than signing with the fallback', async () => {
    const received = receiver(204);
    const broken = { ...withSecrets, NB_WEBHOOK_SECRETS: '{"demo": "too short"}' };
    const batch = createMessageBatch<WebhookMessage>('nextbest-webhooks', [message('a', 1)]);
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    const { retried } = await queueResult(batch, () => deliverWebhooks(batch, broken));
    expect(received).toEqual([]);
    expect(errors).toHaveBeenCalledWith(
      expect.stringContaining('NB_WEBHOOK_SECRETS: demo: expected a secret of at least 32 characters'),
    );
    expect(retried.map(([id]) => id)).toEqual(['a']);
  });
});

describe('https targets only', () => {
  it('refuses a rules document with a plain http webhook, naming the field, and takes one to localhost', async () => {
    const refused = await publishWebhook('http://ads.example/hooks/abandoners');
    expect(refused.status).toBe(400);
    const { error } = (await refused.json()) as { error: { message: string } };
    expect(error.message).toMatch(/audiences\[\d+\]\.webhook: expected an https:\/\/ URL \(plain http:\/\/ only to localhost/);
    expect((await publishWebhook('http://localhost:80@evil.example/')).status).toBe(400);
    expect((await publishWebhook('http://localhost:9000/hook')).status).toBe(200);
    expect((await publishWebhook('http://127.0.0.1:9000/hook')).status).toBe(200);
    expect((await publishWebhook(HOOK)).status).toBe(200);
  });
});

describe('deliveries that fail every retry', () => {
  it('are kept after the last attempt fails, and listed with what the receiver answered', async () => {
    const received = receiver(503);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const batch = createMessageBatch<WebhookMessage>('nextbest-webhooks', [
      message('last-a', WEBHOOK_ATTEMPTS),
      message('last-b', WEBHOOK_ATTEMPTS - 4, 'leave'),
    ]);
    const now = Date.now();
    // Taken off the queue: kept in D1 instead of the dead-letter queue.
    expect(await queueResult(batch, () => deliverWebhooks(batch, withSecrets, now))).toEqual({
      acked: ['last-a', 'last-b'],
      retried: [],
    });
    expect(warn).toHaveBeenCalledWith(expect.stringContaining(`failed ${WEBHOOK_ATTEMPTS} times`));

    const list = await failed();
    const listed = list.failed.find((f) => f.delivery_id === deliveryOf(received[0]))!;
    expect(listed).toEqual({
      delivery_id: deliveryOf(received[0]),
      audience: 'mortgage_abandoners',
      url: HOOK,
      attempts: WEBHOOK_ATTEMPTS,
      last_status: 503,
      last_error: `${HOOK} answered 503`,
      failed_at: now,
      payload: JSON.parse(received[0].body),
    });
  });

  it('stay on the queue until then', async () => {
    receiver(503);
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    const id = uniqueId('msg');
    const batch = createMessageBatch<WebhookMessage>('nextbest-webhooks', [message(id, WEBHOOK_ATTEMPTS - 1)]);
    expect((await queueResult(batch, () => deliverWebhooks(batch, withSecrets))).retried).toEqual([[id, 3600]]);
    const list = await failed('demo', '?limit=100');
    expect(list.failed.some((f) => f.payload.join.some((m) => m.vid === `vid-${id}`))).toBe(false);
  });

  it('are listed newest first, a page at a time, per site', async () => {
    const t = Date.now() + 10_000_000;
    const [older, newer, newest] = [
      await kept([member('p1')], [], t),
      await kept([member('p2')], [], t + 1),
      await kept([member('p3')], [], t + 2),
    ];
    const first = await failed('demo', '?limit=2');
    expect(first.failed.map((f) => f.delivery_id)).toEqual([newest.delivery_id, newer.delivery_id]);
    const second = await failed('demo', `?limit=2&cursor=${first.next}`);
    expect(second.failed[0].delivery_id).toBe(older.delivery_id);
    expect((await request('/v1/webhooks/demo/failed?cursor=nope')).status).toBe(400);
    expect((await request('/v1/webhooks/nowhere/failed')).status).toBe(404);
    expect((await app.request('/v1/webhooks/demo/failed', {}, withSecrets)).status).toBe(401);
  });
});

describe('replaying a kept delivery', () => {
  it("sends it with the same delivery_id, signed, to the audience's webhook in the live rules, and forgets it", async () => {
    expect((await publishWebhook(HOOK)).status).toBe(200);
    const payload = await kept([member(uniqueId('vid'))]);
    const received = receiver(204);
    const res = await request(`/v1/webhooks/demo/failed/${payload.delivery_id}/replay`, 'POST');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      site: 'demo',
      delivery_id: payload.delivery_id,
      outcome: 'delivered',
      url: HOOK,
      status: 204,
    } satisfies Replay);
    const [{ url, headers, body }] = received;
    expect(url).toBe(HOOK);
    expect(headers.get('x-nextbest-delivery')).toBe(payload.delivery_id);
    expect(JSON.parse(body)).toEqual({ ...payload, sent_at: Number(headers.get('x-nextbest-timestamp')) });
    expect(headers.get('x-nextbest-signature')).toBe(await signature(SECRET, headers.get('x-nextbest-timestamp')!, body));
    expect((await failed('demo', '?limit=100')).failed.map((f) => f.delivery_id)).not.toContain(payload.delivery_id);
    expect((await request(`/v1/webhooks/demo/failed/${payload.delivery_id}/replay`, 'POST')).status).toBe(404);
  });

  it('keeps it, one attempt more, when the receiver refuses again, and says so', async () => {
    expect((await publishWebhook(HOOK)).status).toBe(200);
    const payload = await kept([member(uniqueId('vid'))]);
    receiver(500);
    const res = await request(`/v1/webhooks/demo/failed/${payload.delivery_id}/replay`, 'POST');
    expect(res.status).toBe(502);
    expect(await res.json()).toEqual({
      error: {
        code: 'delivery_failed',
        message: `${HOOK} answered 500; the delivery is kept (${WEBHOOK_ATTEMPTS + 1} attempts)`,
      },
    });
    const listed = (await failed('demo', '?limit=100')).failed.find((f) => f.delivery_id === payload.delivery_id)!;
    expect(listed).toMatchObject({ attempts: WEBHOOK_ATTEMPTS + 1, url: HOOK, last_status: 500 });
  });

  it('refuses while the audience has no webhook, keeping it', async () => {
    expect((await publishWebhook(undefined)).status).toBe(200);
    const payload = await kept([member(uniqueId('vid'))]);
    const received = receiver(204);
    const res = await request(`/v1/webhooks/demo/failed/${payload.delivery_id}/replay`, 'POST');
    expect(res.status).toBe(409);
    expect(received).toEqual([]);
    expect((await failed('demo', '?limit=100')).failed.map((f) => f.delivery_id)).toContain(payload.delivery_id);
  });

  it('leaves out the joins of members erased since, and sends nothing when no one is left', async () => {
    expect((await publishWebhook(HOOK)).status).toBe(200);
    const gone = uniqueId('vid');
    const payload = await kept([member(gone)]);
    await eraseVisitorRows(env.DB, 'demo', gone);
    const received = receiver(204);
    const res = await request(`/v1/webhooks/demo/failed/${payload.delivery_id}/replay`, 'POST');
    expect(await res.json()).toMatchObject({ outcome: 'nothing_to_send', status: null });
    expect(received).toEqual([]);
  });
});

describe('erasure', () => {
  it("removes the person's members from every kept delivery, and a delivery left empty altogether", async () => {
    const vid = uniqueId('vid');
    const other = uniqueId('vid');
    const others = member(other);
    const mixed = await kept([member(vid), others], [member(vid)]);
    const only = await kept([], [member(vid)]);
    const res = await exports.default.fetch(
      new Request(`https://nextbest.test/v1/profile/demo/${vid}`, { method: 'DELETE', headers: auth }),
    );
    expect(res.status).toBe(200);
    const list = (await failed('demo', '?limit=100')).failed;
    expect(list.find((f) => f.delivery_id === mixed.delivery_id)!.payload).toEqual({ ...mixed, join: [others], leave: [] });
    expect(list.map((f) => f.delivery_id)).not.toContain(only.delivery_id);
    expect(JSON.stringify(list)).not.toContain(vid);
  });
});

describe("the README's receiver (examples/webhook-receiver/verify.mjs)", () => {
  it('accepts a real delivery once, and answers its retry as already applied', async () => {
    const received = receiver(503, 204);
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    const now = Date.now();
    await deliverWebhooks(createMessageBatch<WebhookMessage>('nextbest-webhooks', [message('r', 1)]), withSecrets, now);
    await deliverWebhooks(createMessageBatch<WebhookMessage>('nextbest-webhooks', [message('r', 2)]), withSecrets, now + 20_000);
    const seen = new Set<string>();
    const applied: WebhookPayload[] = [];
    const options = { seen, apply: (payload: WebhookPayload) => applied.push(payload), now: now + 25_000 };
    expect(await receive(SECRET, received[0].headers, received[0].body, options)).toBe(204);
    expect(await receive(SECRET, received[1].headers, received[1].body, options)).toBe(200);
    expect(applied).toEqual([JSON.parse(received[0].body)]);
  });

  it('refuses another secret, a changed body, and a timestamp more than 5 minutes off', async () => {
    const received = receiver(204);
    const now = Date.now();
    await deliverWebhooks(createMessageBatch<WebhookMessage>('nextbest-webhooks', [message('s', 1)]), withSecrets, now);
    const [{ headers, body }] = received;
    expect(await verifyDelivery(SECRET, headers, body, now)).toEqual(JSON.parse(body));
    expect(await verifyDelivery(FALLBACK, headers, body, now)).toBeNull();
    expect(await verifyDelivery(SECRET, headers, body.replace('"join"', ' "join"'), now)).toBeNull();
    expect(await verifyDelivery(SECRET, headers, body, now + 5 * 60_000 + 1)).toBeNull();
    // Node's request headers are a plain object.
    expect(await verifyDelivery(SECRET, Object.fromEntries(headers), body, now - 60_000)).toEqual(JSON.parse(body));
  });

  it('accepts a delivery signed while the secret is rotated, with either secret', async () => {
    const received = receiver(204);
    const rotating = { ...withSecrets, NB_WEBHOOK_SECRETS: JSON.stringify({ demo: [`new-${SECRET}`, SECRET] }) };
    const now = Date.now();
    await deliverWebhooks(createMessageBatch<WebhookMessage>('nextbest-webhooks', [message('t', 1)]), rotating, now);
    const [{ headers, body }] = received;
    expect(await verifyDelivery(SECRET, headers, body, now)).not.toBeNull();
    expect(await verifyDelivery(`new-${SECRET}`, headers, body, now)).not.toBeNull();
  });
});
