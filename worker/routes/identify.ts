// POST /v1/identify (API key): links a visitor to a hashed user id, and keeps the person's hashed
// e-mail and phone when given. Every visitor linked to the same user id is merged into one profile
// (see worker/visitor/visitor.ts for the merge rule).
import { Hono } from 'hono';
import type { AppEnv } from '../env';
import { requireApiKey } from '../http/auth';
import { limitAddress } from '../http/ip-limit';
import { jsonBody } from '../http/json-body';
import { describer, type Operations } from '../http/operation';
import { siteRules } from '../http/site';
import { IdentifyRequest, IdentifyResponse } from '../schema/identify';
import { visitorStub } from '../visitor/stub';

export const operations = {
  identify: {
    tag: 'visitors',
    summary: 'Link a visitor to a hashed user id; visitors with the same user id merge into one profile',
    auth: 'apiKey',
    ok: IdentifyResponse,
    errors: {
      400: 'Bad body',
      401: 'No valid API key',
      403: 'A read-only dashboard key',
      404: 'Unknown site',
      415: 'Not JSON',
      429: 'Too many requests from this address',
    },
  },
} satisfies Operations;
const operation = describer<typeof operations>();

export const identify = new Hono<AppEnv>()
  .use('/v1/identify', requireApiKey())
  .post('/v1/identify', operation('identify'), limitAddress(), jsonBody(IdentifyRequest), async (c) => {
    const { site, vid, ...identity } = c.req.valid('json');
    await siteRules(c, site, { checkOrigin: false });
    const linked = await visitorStub(c.env, site, vid).identify({ site, vid, ...identity, now: Date.now() });
    c.header('Cache-Control', 'no-store');
    return c.json({ vid, ...linked } satisfies IdentifyResponse, 200);
  });
