// The map of the worker: the Hono app built from route modules, the queue consumer, and the
// Visitor Durable Object class that wrangler binds.
import { Hono } from 'hono';
import type { AppEnv, Env } from './env';
import { errorResponse, ApiError } from './http/errors';
import { collect } from './routes/collect';
import { profile } from './routes/profile';
import { decideRoute } from './routes/decide';
import { identify } from './routes/identify';
import { backOffice } from './routes/back-office';
import { openapi } from './routes/openapi';
import { audiences } from './routes/audiences';
import { health } from './routes/health';
import { snippet } from './routes/snippet';
import { stats } from './routes/stats';
import { dashboard } from './routes/dashboard';
import { demo } from './routes/demo';
import { rules } from './routes/rules';
import { webhooks } from './routes/webhooks';
import { home } from './routes/home';
import { securityHeaders } from './http/security-headers';
import { routedPath } from './http/base-path';
import { consumeEvents } from './analytics/consumer';
import type { QueuedEvent } from './analytics/message';
import { deliverWebhooks, type WebhookMessage } from './audiences/webhooks';

export { Visitor } from './visitor/visitor';

export const app = new Hono<AppEnv>({ getPath: routedPath })
  .use('*', securityHeaders)
  .route('/', health)
  .route('/', snippet)
  .route('/', collect)
  .route('/', decideRoute)
  .route('/', profile)
  .route('/', identify)
  .route('/', backOffice)
  .route('/', audiences)
  .route('/', webhooks)
  .route('/', openapi)
  .route('/', stats)
  .route('/', dashboard)
  .route('/', rules)
  .route('/', demo)
  .route('/', home)
  .notFound((c) => errorResponse(c, new ApiError(404, 'not_found', `no route for ${c.req.method} ${c.req.path}`)))
  .onError((error, c) => errorResponse(c, error));

/** The app's type, for the typed client in worker/client.ts. */
export type App = typeof app;

export default {
  fetch: app.fetch,
  // One handler serves both queues (wrangler.toml); the batch says which one it came from.
  queue: (batch: MessageBatch<QueuedEvent | WebhookMessage>, env: Env) =>
    batch.queue === 'nextbest-webhooks'
      ? deliverWebhooks(batch as MessageBatch<WebhookMessage>, env)
      : consumeEvents(batch as MessageBatch<QueuedEvent>, env),
} satisfies ExportedHandler<Env, QueuedEvent | WebhookMessage>;
