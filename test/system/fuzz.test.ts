// Hostile input against the real worker on workerd: thousands of random and malformed bodies never
// cause a 5xx and never damage the profile they aim at.
import { afterAll, beforeAll, expect, it } from 'vitest';
import fc from 'fast-check';
import { startMiniflare } from '../../worker/scripts/miniflare.mjs';
import type { CollectResponse } from '../../worker/schema/collect';
import type { Profile } from '../../worker/schema/profile';

const API_KEY = 'fuzz-key';
const USER_AGENT = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36';
let worker: Awaited<ReturnType<typeof startMiniflare>>;

beforeAll(async () => {
  worker = await startMiniflare({ bindings: { NB_API_KEY: API_KEY, NB_RATE_LIMIT_IP: 'off' } });
});
afterAll(() => worker?.stop());

let sequence = 0;
const eventId = () => `fuzz-event-${sequence++}`;
const validBatch = (vid: string) => ({
  site: 'demo',
  vid,
  sent_at: Date.now(),
  slots: ['hero'],
  events: [{ id: eventId(), ts: Date.now(), type: 'page', url: 'https://demo.example/rates' } as Record<string, unknown>],
});

const deep = (depth: number): unknown => (depth === 0 ? 'x' : { a: [deep(depth - 1)] });
const hostileValue = fc.oneof(
  fc.anything({ withObjectString: true, withNullPrototype: true, maxDepth: 4 }),
  fc.constantFrom(
    JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"prototype": {"x": 1}}}'),
    deep(300),
    'x'.repeat(70_000),
    '\u0000\uFFFF\uD800',
    -1,
    1e308,
  ),
);

/** A valid batch with one field replaced by something hostile, so validation is reached deeply. */
const mutatedBatch = (vid: string) =>
  fc
    .record({
      field: fc.constantFrom('site', 'vid', 'sid', 'sent_at', 'slots', 'events', 'extra', '__proto__'),
      eventField: fc.constantFrom('id', 'ts', 'type', 'url', 'title', 'props', 'action', 'step', 'uid', 'traits'),
      value: hostileValue,
      inEvent: fc.boolean(),
    })
    .map(({ field, eventField, value, inEvent }) => {
      const body: Record<string, unknown> = validBatch(vid);
      if (inEvent) (body.events as Record<string, unknown>[])[0][eventField] = value;
      else body[field] = value;
      return JSON.stringify(body) ?? '';
    });

const rawBody = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.uint8Array({ maxLength: 300 }),
  fc.constant(new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d])), // invalid UTF-8
  fc.json({ maxDepth: 5 }),
);

async function send(path: string, body: string | Uint8Array, contentType: string) {
  const response = await fetch(`${worker.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': contentType, 'user-agent': USER_AGENT },
    body: body as BodyInit,
  });
  const text = await response.text();
  const result = response.status === 200 && path === '/v1/collect' ? (JSON.parse(text) as CollectResponse) : null;
  return { status: response.status, stored: result ? result.accepted - result.duplicates : 0 };
}

async function profile(vid: string): Promise<Profile> {
  const response = await fetch(`${worker.url}/v1/profile/demo/${vid}`, { headers: { authorization: `Bearer ${API_KEY}` } });
  expect(response.status).toBe(200);
  return (await response.json()) as Profile;
}

it('answers 2,000 malformed bodies with a 4xx and keeps the targeted profile intact', async () => {
  const vid = 'fuzz-victim-visitor';
  expect((await send('/v1/collect', JSON.stringify(validBatch(vid)), 'application/json')).status).toBe(200);
  const before = await profile(vid);
  let stored = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(mutatedBatch(vid), rawBody),
      fc.constantFrom('/v1/collect', '/v1/decide'),
      fc.constantFrom('application/json', 'text/plain'),
      async (body, path, contentType) => {
        const answer = await send(path, body, contentType);
        expect(answer.status, `${path} ${contentType}`).toBeGreaterThanOrEqual(200);
        expect(answer.status, `${path} ${contentType}`).toBeLessThan(500);
        stored += answer.stored;
      },
    ),
    { numRuns: 2000, seed: 20261122 },
  );
  // The profile took exactly the valid events it was sent, and still reads back whole.
  const after = await profile(vid);
  expect(after.events).toBe(before.events + stored);
  expect(after.state.counters.events).toBe(after.events);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
});
