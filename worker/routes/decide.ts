// POST /v1/decide: the decisions for a visitor and slots, without new events (a page that only
// needs a banner, an app screen, an e-mail at send time). Never cached.
import { Hono } from 'hono';
import type { AppEnv } from '../env';
import { readJsonBody } from '../http/body';
import { preflight } from '../http/cors';
import { siteRules } from '../http/site';
import { parseOr400 } from '../http/validate';
import { DecideRequest, type DecideResponse } from '../schema/decide';
import { visitorStub } from '../visitor/stub';

export const decideRoute = new Hono<AppEnv>();

decideRoute.use('/v1/decide', preflight());

decideRoute.post('/v1/decide', async (c) => {
  const request = parseOr400(DecideRequest, await readJsonBody(c));
  siteRules(c, request.site, { checkOrigin: true });
  const decisions = await visitorStub(c.env, request.site, request.vid).decide({ ...request, now: Date.now() });
  c.header('Cache-Control', 'no-store');
  return c.json({ decisions } satisfies DecideResponse);
});
