// POST /v1/decide: the decisions for a visitor and slots, without new events (a page that only
// needs a banner, an app screen, an e-mail at send time). Never cached. Only a caller with the API
// key gets the reasons' figures drawn from all visitors (ReasonScope).
import { Hono } from 'hono';
import type { AppEnv } from '../env';
import { hasValidApiKey } from '../http/auth';
import { preflight } from '../http/cors';
import { siteRules } from '../http/site';
import { jsonBody } from '../http/json-body';
import { describer, type Operations } from '../http/operation';
import { requestContext } from '../http/request-context';
import { limitAddress } from '../http/ip-limit';
import { DecideRequest, DecideResponse } from '../schema/decide';
import { visitorStub } from '../visitor/stub';

export const operations = {
  decide: {
    tag: 'tracking',
    summary: 'Decisions for a visitor and slots, without new events; nothing is stored',
    auth: 'none',
    ok: DecideResponse,
    errors: {
      400: 'Bad body',
      403: 'The browser origin is not listed in the site rules',
      404: 'Unknown site',
      415: 'Not JSON',
      429: 'Too many requests from this address',
    },
  },
} satisfies Operations;
const operation = describer<typeof operations>();

export const decideRoute = new Hono<AppEnv>()
  .use('/v1/decide', preflight())
  .post('/v1/decide', operation('decide'), limitAddress(), jsonBody(DecideRequest), async (c) => {
    const request = c.req.valid('json');
    const { rules } = await siteRules(c, request.site, { checkOrigin: true });
    const decisions = await visitorStub(c.env, request.site, request.vid).decide({
      ...request,
      now: Date.now(),
      request: requestContext(c, rules),
      scope: (await hasValidApiKey(c)) ? 'full' : 'public',
    });
    c.header('Cache-Control', 'no-store');
    return c.json({ decisions } satisfies DecideResponse, 200);
  });
