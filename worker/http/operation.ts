// Declares a route's operation beside its handler, for the OpenAPI document and the typed client:
//   .post('/dashboard/login', operation({ id: 'login', tag: 'dashboard', summary: '…', auth: 'none',
//     ok: LoginResponse, errors: { 400: 'Bad body', 401: 'Wrong key' } }), jsonBody(LoginRequest), handler)
// The document (worker/openapi/document.ts, built by `npm run openapi`) is read off the app's routes by
// hono-openapi; bodies, queries and path parameters are documented by the middlewares that validate
// them (jsonBody, validated), so each schema is written once. Examples live in worker/openapi/examples.ts,
// at build time only, to keep them out of the deployed worker. The declared error statuses also enter
// the route's type, so the typed client knows that those answers carry an ErrorBody; handlers answer
// `c.json(body, 200)` so that a status check tells the client which body it holds.
import type { MiddlewareHandler, TypedResponse } from 'hono';
import type { ClientErrorStatusCode, RedirectStatusCode, ServerErrorStatusCode, SuccessStatusCode } from 'hono/utils/http-status';

type ErrorStatus = ClientErrorStatusCode | ServerErrorStatusCode;
import { describeRoute, resolver, type ContentWithResolver, type ResponsesWithResolver } from 'hono-openapi';
import type * as z from '../lib/zod';
import type { AppEnv } from '../env';
import { ErrorBody } from '../schema/errors';

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
const SECURITY = { none: [] as Requirement[], apiKey, apiKeyOrSession: [...apiKey, { session: [] }] };

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

/** A non-JSON answer: the snippet's JavaScript, a dashboard page. */
interface Media {
  type: 'text/html' | 'text/javascript' | 'text/csv';
  description: string;
}

interface Operation<Errors extends ErrorStatus> {
  /** The operationId: a verb and a noun in camelCase (`getProfile`). */
  id: string;
  tag: keyof typeof TAGS;
  summary: string;
  description?: string;
  auth: keyof typeof SECURITY;
  /** The 200 answer: a zod schema of the JSON (the same the handler's body satisfies), or a media type. */
  ok?: z.ZodMiniType | Media;
  /** Other media types the 200 answer comes in when the request asks (an export's CSV). */
  okAlso?: Media[];
  /** Headers of the 200 answer, and what each says. */
  okHeaders?: Record<string, string>;
  /** Answers without a body (collect's 204 for bots, a redirect), by status. */
  empty?: Partial<Record<SuccessStatusCode | RedirectStatusCode, string>>;
  /** Error statuses and when they happen; JSON ErrorBody unless the operation answers `ok` as HTML. */
  errors: Record<Errors, string>;
}

// zod schemas carry `_zod`; a Media is a plain object.
const isMedia = (ok: z.ZodMiniType | Media | undefined): ok is Media => !!ok && !('_zod' in ok);
const jsonContent = (schema: z.ZodMiniType): ContentWithResolver => ({ 'application/json': { schema: resolver(schema) } });
const textContent = (type: string): ContentWithResolver => ({ [type]: { schema: { type: 'string' } } });

/** What the typed client learns from the middleware: the declared error answers, if any. */
type Described<Errors extends ErrorStatus> = [Errors] extends [never]
  ? MiddlewareHandler<AppEnv>
  : MiddlewareHandler<AppEnv, string, {}, TypedResponse<ErrorBody, Errors, 'json'>>;

export function operation<Errors extends ErrorStatus = never>(op: Operation<Errors>): Described<Errors> {
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
  for (const [status, description] of Object.entries<string>(op.errors))
    responses[status] = { description, content: errorContent };
  return describeRoute({
    operationId: op.id,
    tags: [op.tag],
    summary: op.summary,
    description: op.description,
    security: SECURITY[op.auth] as Array<Record<string, string[]>>,
    responses,
    // It only passes the request on; its type declares the error answers that the route's own code
    // throws (ApiError, answered by onError), which is how the typed client learns them.
  }) as unknown as Described<Errors>;
}
