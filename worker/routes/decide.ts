// POST /v1/decide: the decisions for a visitor and slots, without new events (a page that only
// needs a banner, an app screen, an e-mail at send time). Never cached. Only a caller with the API
// key gets the reasons' figures drawn from all visitors (ReasonScope).
import { Hono } from 'hono';
import type { AppEnv } from '../env';
import { hasValidApiKey } from '../http/auth';
import { preflight } from '../http/cors';
import { siteRules } from '../http/site';
import { jsonBody } from '../http/json-body';
import { requestContext } from '../http/request-context';
import { DecideRequest, type DecideResponse } from '../schema/decide';
import { visitorStub } from '../visitor/stub';

export const decideRoute = new Hono<AppEnv>()
  .use('/v1/decide', preflight())
  .post('/v1/decide', jsonBody(DecideRequest), async (c) => {
    const request = c.req.valid('json');
    siteRules(c, request.site, { checkOrigin: true });
    const decisions = await visitorStub(c.env, request.site, request.vid).decide({
      ...request,
      now: Date.now(),
      request: requestContext(c),
      scope: (await hasValidApiKey(c)) ? 'full' : 'public',
    });
    c.header('Cache-Control', 'no-store');
    return c.json({ decisions } satisfies DecideResponse);
  });
