// Hostile input against the real worker on workerd: 5,000 generated requests to every public
// endpoint (fuzz-requests.ts, the same generator as `npm run bench:fuzz`) never get a 5xx or a
// dropped connection, and never damage the profile the mutated collect bodies aim at.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startMiniflare } from '../../worker/scripts/miniflare.mjs';
import type { CollectResponse } from '../../worker/schema/collect';
import type { Profile } from '../../worker/schema/profile';
import { fuzzRequests } from './fuzz-requests';
import { failureLines, runFuzz, statusLines, type FuzzAnswer } from './fuzz-run';

const API_KEY = 'fuzz-key';
const VICTIM = 'fuzz-victim-visitor';
const USER_AGENT = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36';
let worker: Awaited<ReturnType<typeof startMiniflare>>;

beforeAll(async () => {
  worker = await startMiniflare({ bindings: { NB_API_KEY: API_KEY, NB_RATE_LIMIT_IP: 'off' } });
});
afterAll(() => worker?.stop());

async function profile(vid: string): Promise<Profile> {
  const response = await fetch(`${worker.url}/v1/profile/demo/${vid}`, { headers: { authorization: `Bearer ${API_KEY}` } });
  expect(response.status).toBe(200);
  return (await response.json()) as Profile;
}

/** The events an answer says were stored for the victim (the worker reads a body after its BOM). */
function storedForVictim({ request, status, text }: FuzzAnswer): number {
  if (status !== 200 || request.path !== '/v1/collect' || typeof request.body !== 'string') return 0;
  if ((JSON.parse(request.body.replace(/^\uFEFF/, '')) as { vid?: unknown }).vid !== VICTIM) return 0;
  const answer = JSON.parse(text) as CollectResponse;
  return answer.accepted - answer.duplicates;
}

it('answers 5,000 hostile requests to every endpoint without a 5xx and keeps the targeted profile intact', async () => {
  const first = await fetch(`${worker.url}/v1/collect`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': USER_AGENT },
    body: JSON.stringify({
      site: 'demo',
      vid: VICTIM,
      sent_at: Date.now(),
      events: [{ id: 'fuzz-first-event', ts: Date.now(), type: 'page', url: 'https://demo.example/rates' }],
    }),
  });
  expect(first.status).toBe(200);
  const before = await profile(VICTIM);

  let stored = 0;
  const report = await runFuzz({
    url: worker.url,
    requests: fuzzRequests(5_000, { seed: 20261122, apiKey: API_KEY, victim: VICTIM, now: Date.now() }),
    concurrency: 8,
    onAnswer: (answer) => (stored += storedForVictim(answer)),
  });
  console.log(`fuzz: ${report.sent} requests in ${report.seconds.toFixed(1)} s\n${statusLines(report).join('\n')}`);
  expect(report.sent).toBe(5_000);
  expect.soft(failureLines(report, 2_000)).toEqual([]);

  // The profile took exactly the valid events it was sent, and still reads back whole.
  const after = await profile(VICTIM);
  expect(after.events).toBe(before.events + stored);
  expect(after.state.counters.events).toBe(after.events);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  // A guard against a hang only: on a busy shared machine this takes minutes, on an idle one well under one.
}, 600_000);
