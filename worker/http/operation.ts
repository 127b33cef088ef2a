// Declares a route's operation beside its handler, for the OpenAPI document and the typed client:
//   export const operations = {
//     login: { tag: 'dashboard', summary: '…', auth: 'none', ok: LoginResponse, errors: { 400: 'Bad body', 401: 'Wrong key' } },
//   } satisfies Operations;
//   const operation = describer<typeof operations>();
//   … .post('/dashboard/login', operation('login'), jsonBody(LoginRequest), handler)
// The declarations are plain objects that only `npm run openapi` reads: worker/openapi/operations.ts
// puts each on its route's marker, where hono-openapi finds it. Nothing in the worker reads them, so
// the deployed bundle leaves them out, as long as they hold only literals and names: a call, a
// property read or a spread is code the bundler must assume has effects, and would keep. Bodies,
// queries and path parameters are documented by the middlewares that validate them (jsonBody,
// validated), so each schema is written once; examples live in worker/openapi/examples.ts. The
// declared error statuses also enter the route's type, so the typed client knows that those answers
// carry an ErrorBody; handlers answer `c.json(body, 200)` so that a status check tells the client
// which body it holds.
import type { MiddlewareHandler, TypedResponse } from 'hono';
import type { ClientErrorStatusCode, RedirectStatusCode, ServerErrorStatusCode, SuccessStatusCode } from 'hono/utils/http-status';
import type * as z from '../lib/zod';
import type { AppEnv } from '../env';
import type { ErrorBody } from '../schema/errors';
import type { SECURITY, TAGS } from '../openapi/operations';

type ErrorStatus = ClientErrorStatusCode | ServerErrorStatusCode;

/** A non-JSON answer: the snippet's JavaScript, a dashboard page. */
export interface Media {
  type: 'text/html' | 'text/javascript' | 'text/csv';
  description: string;
}

export interface Operation {
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
  errors: Partial<Record<ErrorStatus, string>>;
}

/** A module's operations, by operationId: a verb and a noun in camelCase (`getProfile`). */
export type Operations = Record<string, Operation>;

/** What the typed client learns from the marker: the declared error answers, if any. */
type Described<Errors extends ErrorStatus> = [Errors] extends [never]
  ? MiddlewareHandler<AppEnv>
  : MiddlewareHandler<AppEnv, string, {}, TypedResponse<ErrorBody, Errors, 'json'>>;

type ErrorsOf<O> = O extends { errors: infer E } ? Extract<keyof E, ErrorStatus> : never;

/** The marker of a route: the operationId under which its declaration is found. */
export interface Marker {
  operationId: string;
}

/**
 * The markers of a module's routes, each typed with its declaration's error answers. A marker only
 * passes the request on: the route's own code throws those errors (ApiError, answered by onError).
 */
export const describer =
  <Ops extends Operations>() =>
  <Id extends keyof Ops & string>(operationId: Id): Described<ErrorsOf<Ops[Id]>> => {
    const marker: MiddlewareHandler<AppEnv> = async (_c, next) => {
      await next();
    };
    return Object.assign(marker, { operationId } satisfies Marker) as unknown as Described<ErrorsOf<Ops[Id]>>;
  };
