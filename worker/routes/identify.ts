// POST /v1/identify (API key): links a visitor to a hashed user id. Every visitor linked to the
// same user id is merged into one profile (see worker/visitor/visitor.ts for the merge rule).
import { Hono } from 'hono';
import type { AppEnv } from '../env';
import { requireApiKey } from '../http/auth';
import { limitAddress } from '../http/ip-limit';
import { jsonBody } from '../http/json-body';
import { siteRules } from '../http/site';
import { IdentifyRequest, type IdentifyResponse } from '../schema/identify';
import { visitorStub } from '../visitor/stub';

export const identify = new Hono<AppEnv>()
  .use('/v1/identify', requireApiKey())
  .post('/v1/identify', limitAddress(), jsonBody(IdentifyRequest), async (c) => {
    const { site, vid, uid } = c.req.valid('json');
    siteRules(c, site, { checkOrigin: false });
    const linked = await visitorStub(c.env, site, vid).identify({ site, vid, uid, now: Date.now() });
    c.header('Cache-Control', 'no-store');
    return c.json({ vid, ...linked } satisfies IdentifyResponse);
  });
