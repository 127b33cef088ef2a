// Hostile input: thousands of random and malformed bodies never cause a 5xx and never damage a
// profile that was there before.
import { expect, it } from 'vitest';
import fc from 'fast-check';
import { exports } from 'cloudflare:workers';
import { BROWSER_USER_AGENT, batch, get, pageView, post } from './helpers';
import type { Profile } from '../../worker/schema/profile';
import type { CollectResponse } from '../../worker/schema/collect';

const deep = (depth: number): unknown => (depth === 0 ? 'x' : { a: [deep(depth - 1)] });

const hostileValue = fc.oneof(
  fc.anything({ withObjectString: true, withNullPrototype: true, maxDepth: 4 }),
  fc.constantFrom(
    { __proto__: { polluted: true } },
    JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"prototype": {"x": 1}}}'),
    deep(200),
    'x'.repeat(70_000),
    Number.NaN,
    -1,
    1e308,
  ),
);

/** A batch with one field replaced by something hostile, so validation is reached deeply. */
const mutatedBatch = (vid: string) =>
  fc
    .record({
      field: fc.constantFrom('site', 'vid', 'sid', 'sent_at', 'slots', 'events', 'extra', '__proto__'),
      eventField: fc.constantFrom('id', 'ts', 'type', 'url', 'title', 'props', 'action', 'step', 'uid'),
      value: hostileValue,
      inEvent: fc.boolean(),
    })
    .map(({ field, eventField, value, inEvent }) => {
      const body: Record<string, unknown> = { ...batch([pageView()], { vid }) };
      if (inEvent) (body.events as Record<string, unknown>[])[0][eventField] = value;
      else body[field] = value;
      return JSON.stringify(body);
    });

const rawBody = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.uint8Array({ maxLength: 300 }).map((bytes) => bytes),
  fc.constant(new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d])), // invalid UTF-8
  fc.json({ maxDepth: 5 }),
);

async function send(path: string, body: string | Uint8Array, contentType: string): Promise<{ status: number; stored: number }> {
  const response = await exports.default.fetch(
    new Request(`https://nextbest.test${path}`, {
      method: 'POST',
      headers: { 'content-type': contentType, 'user-agent': BROWSER_USER_AGENT },
      body,
    }),
  );
  const text = await response.text();
  const result = response.status === 200 && path === '/v1/collect' ? (JSON.parse(text) as CollectResponse) : null;
  return { status: response.status, stored: result ? result.accepted - result.duplicates : 0 };
}

it('answers every malformed body with a 4xx and leaves existing profiles intact', { timeout: 300_000 }, async () => {
  const victim = batch([pageView(), pageView()]);
  expect((await post('/v1/collect', victim)).status).toBe(200);
  const before = await (await get(`/v1/profile/demo/${victim.vid}`)).json<Profile>();

  let stored = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(mutatedBatch(victim.vid), rawBody),
      fc.constantFrom('/v1/collect', '/v1/decide'),
      fc.constantFrom('application/json', 'text/plain'),
      async (body, path, contentType) => {
        const answer = await send(path, body, contentType);
        expect(answer.status, `${path} ${contentType}`).toBeLessThan(500);
        stored += answer.stored;
      },
    ),
    { numRuns: 2000, seed: 20261122 },
  );

  // The visitor's profile took exactly the valid events it was sent, and still reads back whole.
  const after = await (await get(`/v1/profile/demo/${victim.vid}`)).json<Profile>();
  expect(after.events).toBe(before.events + stored);
  expect(after.state.counters.events).toBe(after.events);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
});
