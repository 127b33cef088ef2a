// Builders for Workers-runtime tests: valid batches, unique ids, requests against the real app.
import { exports } from 'cloudflare:workers';
import type { Event, EventBatch } from '../../worker/schema/events';
import { IDENTITY_SECRETS, TEST_API_KEY } from './api-keys';
import { DAY_MS, utcDate } from '../../worker/lib/time';

let counter = 0;
export const uniqueId = (prefix = 'id') => `${prefix}_${Date.now().toString(36)}_${(counter++).toString(36)}`;

/** A stats range of yesterday and today (UTC): a test run across midnight still finds its events. */
export const sinceYesterday = () => `from=${utcDate(Date.now() - DAY_MS)}&to=${utcDate(Date.now())}`;

export function pageView(url = 'https://demo.example/rates', overrides: Partial<Event> = {}): Event {
  return { id: uniqueId('ev'), ts: Date.now(), type: 'page', url, title: 'Rates', ...overrides } as Event;
}

/** An event of the demo's four-step application; `step` omitted for a start or submit without one. */
export const formEvent = (action: 'start' | 'step' | 'abandon' | 'submit', step?: number): Event => ({
  id: uniqueId('ev'),
  ts: Date.now(),
  type: 'form',
  form: 'mortgage-app',
  action,
  ...(step ? { step, steps: 4 } : {}),
});

export function batch(events: Event[], overrides: Partial<EventBatch> = {}): EventBatch {
  return { site: 'demo', vid: uniqueId('vid'), sent_at: Date.now(), slots: ['hero'], events, ...overrides };
}

/** A person's browser: requests without one are ignored as bots. */
export const BROWSER_USER_AGENT =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15';

export function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return exports.default.fetch(
    new Request(`https://nextbest.test${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': BROWSER_USER_AGENT, ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    }),
  );
}

export function get(path: string, apiKey: string | null = TEST_API_KEY, method = 'GET'): Promise<Response> {
  return exports.default.fetch(
    new Request(`https://nextbest.test${path}`, { method, headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {} }),
  );
}

/**
 * What a site's backend computes for an identify's `sig`: hex HMAC-SHA256 of the uid under the site's
 * identity secret (the demo's unless given). Written here with WebCrypto, apart from the worker's code.
 */
export async function sign(uid: string, secret = IDENTITY_SECRETS.demo): Promise<string> {
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
  ]);
  const mac = await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(uid));
  return [...new Uint8Array(mac)].map((b) => b.toString(16).padStart(2, '0')).join('');
}
