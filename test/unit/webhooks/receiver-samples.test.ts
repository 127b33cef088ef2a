// The webhook receivers the README shows are the files the tests run: the Node one runs against the
// worker's own deliveries in test/workerd/webhook-deliveries.test.ts; here the Python one runs against
// deliveries signed as the README says, beside the Node one, so that both accept and refuse alike.
import { spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyDelivery } from '../../../examples/webhook-receiver/verify.mjs';

const ROOT = join(import.meta.dirname, '../../..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

/** The fenced block that follows `<!-- path -->` in the README. */
function readmeBlock(path: string): string {
  const readme = read('README.md');
  const at = readme.indexOf(`<!-- ${path} -->`);
  expect(at, `README.md shows ${path}`).toBeGreaterThan(0);
  const open = readme.indexOf('\n', readme.indexOf('```', at)) + 1;
  return readme.slice(open, readme.indexOf('```', open));
}

it.each(['examples/webhook-receiver/verify.mjs', 'examples/webhook-receiver/verify.py'])(
  'README.md shows %s as it is',
  (path) => {
    expect(readmeBlock(path)).toBe(read(path));
  },
);

it("knows the webhooks queue's attempts from wrangler.toml", () => {
  const consumer = /\[\[queues\.consumers\]\]\nqueue = "nextbest-webhooks"\n[^[]*/.exec(read('wrangler.toml'))![0];
  const retries = Number(/^max_retries = (\d+)$/m.exec(consumer)![1]);
  const attempts = Number(/export const WEBHOOK_ATTEMPTS = (\d+);/.exec(read('worker/audiences/webhooks.ts'))![1]);
  expect(attempts).toBe(retries + 1);
});

const SECRET = 'receiver-sample-secret-of-at-least-32-characters';
const NOW = 1_764_000_000_000;
const body = JSON.stringify({
  delivery_id: '9c1f4e2a7b3d8c6e0f5a1b2c3d4e5f60',
  site: 'demo',
  audience: 'mortgage_abandoners',
  sent_at: NOW,
  join: [{ vid: 'v1', uid: null, joined: NOW, expires: NOW + 1 }],
  leave: [],
});
const sign = (secret: string, timestamp: number, text = body) =>
  `sha256=${createHmac('sha256', secret).update(`${timestamp}.${text}`).digest('hex')}`;

/** [case, headers, body, accepted] */
const deliveries: Array<[string, Record<string, string>, string, boolean]> = [
  ['signed, on time', { 'x-nextbest-timestamp': `${NOW}`, 'x-nextbest-signature': sign(SECRET, NOW) }, body, true],
  [
    'signed 4 minutes ago',
    { 'x-nextbest-timestamp': `${NOW - 240_000}`, 'x-nextbest-signature': sign(SECRET, NOW - 240_000) },
    body,
    true,
  ],
  [
    'signed with two secrets while one is rotated',
    { 'x-nextbest-timestamp': `${NOW}`, 'x-nextbest-signature': `${sign('the-new-one', NOW)}, ${sign(SECRET, NOW)}` },
    body,
    true,
  ],
  [
    'signed 6 minutes ago',
    { 'x-nextbest-timestamp': `${NOW - 360_000}`, 'x-nextbest-signature': sign(SECRET, NOW - 360_000) },
    body,
    false,
  ],
  ['another secret', { 'x-nextbest-timestamp': `${NOW}`, 'x-nextbest-signature': sign('another-secret', NOW) }, body, false],
  [
    'a changed body',
    { 'x-nextbest-timestamp': `${NOW}`, 'x-nextbest-signature': sign(SECRET, NOW) },
    body.replace('v1', 'v2'),
    false,
  ],
  ['another timestamp', { 'x-nextbest-timestamp': `${NOW + 1}`, 'x-nextbest-signature': sign(SECRET, NOW) }, body, false],
  ['no signature', { 'x-nextbest-timestamp': `${NOW}` }, body, false],
  ['no timestamp', { 'x-nextbest-signature': sign(SECRET, NOW) }, body, false],
];

describe('the Node receiver', () => {
  it.each(deliveries)('%s', async (_, headers, text, accepted) => {
    expect((await verifyDelivery(SECRET, headers, text, NOW)) !== null).toBe(accepted);
  });
});

const python = spawnSync('python3', ['--version']).status === 0;

describe.skipIf(!python)('the Python receiver', () => {
  // One run for every case: each is [headers, body]; the script answers the statuses of receive().
  const script = `
import json, sys
sys.path.insert(0, "examples/webhook-receiver")
from verify import receive
cases = json.load(sys.stdin)
seen, applied = set(), []
print(json.dumps([receive("${SECRET}", h, b.encode(), seen, applied.append, ${NOW}) for h, b in cases]))
`;
  const run = (cases: Array<[Record<string, string>, string]>) => {
    const result = spawnSync('python3', ['-c', script], { cwd: ROOT, input: JSON.stringify(cases), encoding: 'utf8' });
    expect(result.stderr).toBe('');
    return JSON.parse(result.stdout) as number[];
  };

  it('accepts and refuses what the Node receiver does', () => {
    // A fresh store of applied ids per case, so that each accepted one is applied (204).
    const statuses = deliveries.map(([, headers, text]) => run([[headers, text]])[0]);
    expect(statuses).toEqual(deliveries.map(([, , , accepted]) => (accepted ? 204 : 401)));
  });

  it('applies a delivery_id once', () => {
    const [[, headers, text]] = deliveries;
    expect(
      run([
        [headers, text],
        [headers, text],
      ]),
    ).toEqual([204, 200]);
  });
});
