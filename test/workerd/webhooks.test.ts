import { afterEach, describe, expect, it, vi } from 'vitest';
import { env } from 'cloudflare:workers';
import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test';
import { deliverWebhooks, deliveryId, signature, webhookMessages, type WebhookMessage } from '../../worker/audiences/webhooks';
import { loadRules } from '../../worker/engine';

const member = (vid: string) => ({ vid, uid: null, joined: 1_000, expires: 2_000, event_id: '0'.repeat(32) });
const message = (id: string, change: WebhookMessage['change'], audience = 'mortgage_abandoners') => ({
  id,
  timestamp: new Date(1_000),
  attempts: 1,
  body: { site: 'demo', audience, url: `https://ads.example/hooks/${audience}`, change, member: member(`vid-${id}`) },
});

// The receiver is a third party's server: what is faked here is only its answer.
function receiver(status: number) {
  const received: Array<{ url: string; headers: Headers; body: string }> = [];
  vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
    received.push({ url: String(input), headers: new Headers(init?.headers), body: String(init?.body) });
    return new Response(null, { status });
  });
  return received;
}

afterEach(() => vi.restoreAllMocks());

describe('audience webhooks', () => {
  it('posts joins and leaves in one signed batch per audience', async () => {
    const received = receiver(204);
    const batch = createMessageBatch<WebhookMessage>('nextbest-webhooks', [
      message('a', 'join'),
      message('b', 'leave'),
      message('c', 'join', 'rate_shoppers'),
    ]);
    const secret = 'webhook-secret-for-tests';
    await deliverWebhooks(batch, { ...env, NB_WEBHOOK_SECRET: secret }, 5_000);

    expect(received.map((r) => r.url).sort()).toEqual([
      'https://ads.example/hooks/mortgage_abandoners',
      'https://ads.example/hooks/rate_shoppers',
    ]);
    const abandoners = received.find((r) => r.url.endsWith('mortgage_abandoners'))!;
    expect(JSON.parse(abandoners.body)).toEqual({
      delivery_id: await deliveryId(['a', 'b']),
      site: 'demo',
      audience: 'mortgage_abandoners',
      sent_at: 5_000,
      join: [member('vid-a')],
      leave: [member('vid-b')],
    });
    expect(abandoners.headers.get('x-nextbest-delivery')).toBe(await deliveryId(['a', 'b']));
    expect(abandoners.headers.get('x-nextbest-timestamp')).toBe('5000');
    expect(abandoners.headers.get('x-nextbest-signature')).toBe(await signature(secret, '5000', abandoners.body));
    expect(abandoners.headers.get('x-nextbest-signature')).not.toBe(await signature('another-secret', '5000', abandoners.body));
    const result = await getQueueResult(batch, createExecutionContext());
    expect(result.explicitAcks.sort()).toEqual(['a', 'b', 'c']);
  });

  it('leaves a batch the receiver refused to the queue retries, losing nothing', async () => {
    receiver(503);
    const batch = createMessageBatch<WebhookMessage>('nextbest-webhooks', [message('a', 'join'), message('b', 'leave')]);
    await deliverWebhooks(batch, { ...env, NB_WEBHOOK_SECRET: 'secret' });
    const result = await getQueueResult(batch, createExecutionContext());
    expect(result.explicitAcks).toEqual([]);
    expect(result.retryMessages.map((m: { msgId: string }) => m.msgId).sort()).toEqual(['a', 'b']);
  });

  it('never sends unsigned: without a secret the batch waits in the queue', async () => {
    const received = receiver(204);
    const batch = createMessageBatch<WebhookMessage>('nextbest-webhooks', [message('a', 'join')]);
    await deliverWebhooks(batch, { ...env, NB_WEBHOOK_SECRET: undefined });
    expect(received).toEqual([]);
    const result = await getQueueResult(batch, createExecutionContext());
    expect(result.retryMessages.map((m: { msgId: string }) => m.msgId)).toEqual(['a']);
  });
});

describe('which changes become webhooks', () => {
  it('only audiences with a webhook, as a join while current and a leave once left or expired', () => {
    const rules = loadRules(
      {
        origins: ['https://acme.example'],
        audiences: [
          { id: 'hooked', when: { 'counters.pages': { $gte: 1 } }, days: 30, webhook: 'https://ads.example/in' },
          { id: 'quiet', when: { 'counters.pages': { $gte: 1 } }, days: 30 },
        ],
      },
      'rules/acme.json',
    );
    if (!rules.ok) throw new Error(rules.problems.join('\n'));
    const change = (audience: string, member: { joined: number; expires: number; left?: number }) => ({
      site: 'acme',
      audience,
      vid: 'visitor-1',
      uid: null,
      member,
    });
    const messages = webhookMessages(
      rules.rules,
      [
        change('hooked', { joined: 0, expires: 100 }),
        change('quiet', { joined: 0, expires: 100 }),
        change('hooked', { joined: 0, expires: 100, left: 50 }),
      ],
      60,
    );
    expect(messages.map((m) => [m.audience, m.change, m.url])).toEqual([
      ['hooked', 'join', 'https://ads.example/in'],
      ['hooked', 'leave', 'https://ads.example/in'],
    ]);
    expect(webhookMessages(rules.rules, [change('hooked', { joined: 0, expires: 50 })], 60)[0].change).toBe('leave');
  });
});
