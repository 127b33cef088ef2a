// The live-rules admin API (API key): a site's live rules document and its versions, publishing a
// new version (a new site too, without a deploy), rolling back, and the impact preview of a draft
// on the visitors of the last 7 days. Publishing and reading go through worker/rules/versions.ts.
import { Hono, type Context } from 'hono';
import * as z from '../lib/zod';
import type { AppEnv } from '../env';
import { presentedKey, requireApiKey } from '../http/auth';
import { ApiError } from '../http/errors';
import { jsonBody } from '../http/json-body';
import { describer, type Operations } from '../http/operation';
import { DEMO_SITE, demoOn } from '../http/demo';
import { unknownSite } from '../http/site';
import { validated } from '../http/validate';
import { sha256Hex } from '../lib/hex';
import { RulesFile } from '../../rules/schema';
import {
  Preview,
  PreviewQuery,
  Published,
  PublishQuery,
  RollbackRequest,
  RulesParams,
  RulesVersion,
  RulesVersions,
  VersionParams,
} from '../schema/rules';
import { checkDocument, liveDocument, publish, versionDocument, versionHistory } from '../rules/versions';
import { documentHash } from '../rules/store';
import { previewDraft } from '../rules/preview';

/** Rules documents are larger than event batches: 1,000 scoring rules take about 200 KB. */
const MAX_RULES_BYTES = 512 * 1024;
/** Any JSON object: the loader checks it and lists every problem, where a schema stops at the first. */
const AnyDocument = z.record(z.string(), z.unknown());
const rulesBody = jsonBody(AnyDocument, 'invalid_request', RulesFile, MAX_RULES_BYTES);

const UNAVAILABLE = 'D1 did not answer; nothing changed';
const readErrors = {
  400: 'Bad site id or version number',
  401: 'No valid API key',
  403: 'A read-only dashboard key',
  404: 'Unknown site or version',
  503: UNAVAILABLE,
} as const;
const bodyErrors = {
  400: 'A rules document the loader refuses, or with ad-policy errors: every problem as `path: reason`, one a line',
  401: 'No valid API key',
  403: 'A read-only dashboard key',
  404: 'Unknown site (the demo where it is off)',
  413: 'Body over 512 KB',
  415: 'Not JSON',
  503: UNAVAILABLE,
} as const;
const rollbackErrors = {
  400: 'Bad body',
  401: 'No valid API key',
  403: 'A read-only dashboard key',
  404: 'Unknown site or version',
  415: 'Not JSON',
  503: UNAVAILABLE,
} as const;

/** The demo's rules exist only where the demo is on: elsewhere it is no site, and cannot become one. */
function checkSite(c: Context<AppEnv>, site: string): void {
  if (site === DEMO_SITE && !demoOn(c.env)) throw unknownSite(site);
}

async function live(c: Context<AppEnv>, site: string) {
  checkSite(c, site);
  const found = await liveDocument(c.env, site);
  if (!found) throw unknownSite(site);
  return found;
}

/** Who published: a digest of the key, never the key. */
const authorOf = async (c: Context<AppEnv>) => `key:${await sha256Hex(presentedKey(c) ?? '', 6)}`;

export const operations = {
  getRules: {
    tag: 'rules',
    summary: "A site's live rules document and its version",
    auth: 'apiKey',
    ok: RulesVersion,
    errors: readErrors,
  },
  publishRules: {
    tag: 'rules',
    summary: 'Publish a rules document as the next version of a site (or create the site); `?message=` says why',
    description:
      'Every isolate serves it within a minute. A document equal to the live version records nothing (`unchanged`). Concurrent publishes each get their own version.',
    auth: 'apiKey',
    ok: Published,
    errors: bodyErrors,
  },
  listRulesVersions: {
    tag: 'rules',
    summary: "A site's rules versions, newest first",
    auth: 'apiKey',
    ok: RulesVersions,
    errors: readErrors,
  },
  getRulesVersion: {
    tag: 'rules',
    summary: 'One rules version of a site, with its document',
    auth: 'apiKey',
    ok: RulesVersion,
    errors: readErrors,
  },
  rollbackRules: {
    tag: 'rules',
    summary: 'Publish an earlier version again, as the next version',
    auth: 'apiKey',
    ok: Published,
    errors: rollbackErrors,
  },
  previewRules: {
    tag: 'rules',
    summary: 'What a draft would change for the visitors of the last 7 days, against the live version; nothing is written',
    description:
      'Replays up to `sample` (≤ 1,000) recently active visitors from their stored events under the live rules and under the draft, and compares stage, segments, offer per slot and audiences: counts, transitions, and up to 20 examples each with the reasons before and after.',
    auth: 'apiKey',
    ok: Preview,
    errors: bodyErrors,
  },
} satisfies Operations;
const operation = describer<typeof operations>();

export const rules = new Hono<AppEnv>()
  .use('/v1/rules/*', requireApiKey())
  .get('/v1/rules/:site', operation('getRules'), validated('param', RulesParams), async (c) => {
    c.header('Cache-Control', 'no-store');
    return c.json(await live(c, c.req.valid('param').site), 200);
  })
  .put(
    '/v1/rules/:site',
    operation('publishRules'),
    validated('param', RulesParams),
    validated('query', PublishQuery),
    rulesBody,
    async (c) => {
      const { site } = c.req.valid('param');
      checkSite(c, site);
      const published = await publish(c.env, {
        site,
        json: c.req.valid('json'),
        author: await authorOf(c),
        message: c.req.valid('query').message ?? '',
        now: Date.now(),
        adPolicy: 'refuse',
      });
      return c.json(published, 200);
    },
  )
  .get('/v1/rules/:site/versions', operation('listRulesVersions'), validated('param', RulesParams), async (c) => {
    const { site } = c.req.valid('param');
    const current = await live(c, site);
    c.header('Cache-Control', 'no-store');
    return c.json({ site, live: current.version, versions: await versionHistory(c.env, site) }, 200);
  })
  .get('/v1/rules/:site/versions/:n', operation('getRulesVersion'), validated('param', VersionParams), async (c) => {
    const { site, n } = c.req.valid('param');
    checkSite(c, site);
    const found = await versionDocument(c.env, site, n);
    if (!found) throw new ApiError(404, 'unknown_version', `site "${site}" has no rules version ${n}`, 'n');
    c.header('Cache-Control', 'no-store');
    return c.json(found, 200);
  })
  .post(
    '/v1/rules/:site/rollback',
    operation('rollbackRules'),
    validated('param', RulesParams),
    jsonBody(RollbackRequest),
    async (c) => {
      const { site } = c.req.valid('param');
      const { version, message } = c.req.valid('json');
      checkSite(c, site);
      const earlier = await versionDocument(c.env, site, version);
      if (!earlier) throw new ApiError(404, 'unknown_version', `site "${site}" has no rules version ${version}`, 'version');
      const published = await publish(c.env, {
        site,
        json: earlier.rules,
        author: await authorOf(c),
        message: `rollback to version ${version}${message ? `: ${message}` : ''}`,
        now: Date.now(),
        // What was live once may be live again, even where the lint has grown stricter since.
        adPolicy: 'report',
      });
      return c.json(published, 200);
    },
  )
  .post(
    '/v1/rules/:site/preview',
    operation('previewRules'),
    validated('param', RulesParams),
    validated('query', PreviewQuery),
    rulesBody,
    async (c) => {
      const { site } = c.req.valid('param');
      const current = await live(c, site);
      const draft = c.req.valid('json');
      checkDocument(draft);
      const [liveJson, draftJson] = [JSON.stringify(current.rules), JSON.stringify(draft)];
      const result = await previewDraft(c.env, {
        site,
        liveVersion: current.version,
        live: { json: liveJson, hash: await documentHash(liveJson) },
        draft: { json: draftJson, hash: await documentHash(draftJson) },
        sample: c.req.valid('query').sample,
        now: Date.now(),
      });
      c.header('Cache-Control', 'no-store');
      return c.json(result, 200);
    },
  );
