// The routes' operations as the OpenAPI document shows them: each module's declarations
// (worker/http/operation.ts) turned into the operation hono-openapi reads off the route's marker.
// Build time only (worker/openapi/document.ts): the deployed worker never reads a declaration.
import type { Hono } from 'hono';
import { findTargetHandler } from 'hono/utils/handler';
import {
  resolver,
  uniqueSymbol,
  type ContentWithResolver,
  type DescribeRouteOptions,
  type ResponsesWithResolver,
} from 'hono-openapi';
import type * as z from '../lib/zod';
import type { Marker, Media, Operation, Operations } from '../http/operation';
import { ErrorBody } from '../schema/errors';
import { operations as audiences } from '../routes/audiences';
import { operations as backOffice } from '../routes/back-office';
import { operations as collect } from '../routes/collect';
import { operations as dashboard } from '../routes/dashboard';
import { operations as decide } from '../routes/decide';
import { operations as health } from '../routes/health';
import { operations as home } from '../routes/home';
import { operations as identify } from '../routes/identify';
import { operations as openapi } from '../routes/openapi';
import { operations as profile } from '../routes/profile';
import { operations as rules } from '../routes/rules';
import { operations as snippet } from '../routes/snippet';
import { operations as stats } from '../routes/stats';
import { operations as webhooks } from '../routes/webhooks';

/** The ways to present the API key (see worker/http/auth.ts), named in `components.securitySchemes`. */
export const SECURITY_SCHEMES = {
  bearer: { type: 'http', scheme: 'bearer', description: 'A key from the NB_API_KEY secret' },
  apiKeyHeader: { type: 'apiKey', in: 'header', name: 'X-Api-Key', description: 'The same key, in a header' },
  session: {
    type: 'apiKey',
    in: 'cookie',
    name: '__Secure-nb_session',
    description: 'The dashboard session, set by POST /dashboard/login (an admin key, or a read-only key of NB_DASHBOARD_KEYS)',
  },
} as const;

type Requirement = Partial<Record<keyof typeof SECURITY_SCHEMES, string[]>>;
const apiKey: Requirement[] = [{ bearer: [] }, { apiKeyHeader: [] }];
export const SECURITY = { none: [] as Requirement[], apiKey, apiKeyOrSession: [...apiKey, { session: [] }] };

/** The tags, described in the document. */
export const TAGS = {
  tracking: 'Events from pages and apps, and the decisions they earn',
  visitors: 'Profiles, identity and erasure (API key)',
  audiences: 'Ad-audience members for platform sync (API key)',
  webhooks: 'Audience webhook deliveries that failed every retry: list and replay (API key)',
  analytics: 'KPIs as JSON and as a page',
  rules: 'Rules versions: publish, roll back, preview a draft on recent visitors (API key)',
  meta: 'The snippet, health and this document',
} as const;

const OPERATIONS: Operations = {
  ...health,
  ...snippet,
  ...collect,
  ...decide,
  ...profile,
  ...identify,
  ...backOffice,
  ...audiences,
  ...webhooks,
  ...openapi,
  ...stats,
  ...dashboard,
  ...rules,
  ...home,
};

// zod schemas carry `_zod`; a Media is a plain object.
const isMedia = (ok: z.ZodMiniType | Media | undefined): ok is Media => !!ok && !('_zod' in ok);
const jsonContent = (schema: z.ZodMiniType): ContentWithResolver => ({ 'application/json': { schema: resolver(schema) } });
const textContent = (type: string): ContentWithResolver => ({ [type]: { schema: { type: 'string' } } });

function describe(operationId: string, op: Operation): DescribeRouteOptions {
  const page = isMedia(op.ok) ? op.ok : undefined;
  const errorContent = page?.type === 'text/html' ? textContent(page.type) : jsonContent(ErrorBody);
  const responses: ResponsesWithResolver = {};
  if (op.ok)
    responses[200] = {
      description: [page?.description ?? 'OK', ...(op.okAlso ?? []).map((media) => `${media.type}: ${media.description}`)].join(
        '; ',
      ),
      content: Object.assign(
        page ? textContent(page.type) : jsonContent(op.ok as z.ZodMiniType),
        ...(op.okAlso ?? []).map((media) => textContent(media.type)),
      ),
      ...(op.okHeaders && {
        headers: Object.fromEntries(
          Object.entries(op.okHeaders).map(([name, description]) => [name, { description, schema: { type: 'string' } }]),
        ),
      }),
    };
  for (const [status, description] of Object.entries(op.empty ?? {})) responses[status] = { description: description as string };
  for (const [status, description] of Object.entries(op.errors)) responses[status] = { description, content: errorContent };
  return {
    operationId,
    tags: [op.tag],
    summary: op.summary,
    description: op.description,
    security: SECURITY[op.auth] as Array<Record<string, string[]>>,
    responses,
  };
}

/** Puts each route's operation on its marker, where hono-openapi's generateSpecs reads it. */
export function describeRoutes(app: Pick<Hono, 'routes'>): void {
  for (const route of app.routes) {
    const handler = findTargetHandler(route.handler) as Partial<Marker>;
    if (handler.operationId === undefined) continue;
    const op = OPERATIONS[handler.operationId];
    if (!op) throw new Error(`${route.method} ${route.path}: no operation "${handler.operationId}" is declared`);
    Object.assign(handler, { [uniqueSymbol]: { spec: describe(handler.operationId, op) } });
  }
}
