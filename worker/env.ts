// The bindings wrangler.toml declares, as the worker sees them.
import type { Visitor } from './visitor/visitor';
import type { QueuedEvent } from './analytics/message';
import type { WebhookMessage } from './audiences/webhooks';

export interface Env {
  VISITOR: DurableObjectNamespace<Visitor>;
  DB: D1Database;
  EVENTS: Queue<QueuedEvent>;
  WEBHOOKS: Queue<WebhookMessage>;
  /** Signs audience webhooks (HMAC-SHA256); set with `wrangler secret put NB_WEBHOOK_SECRET`. */
  NB_WEBHOOK_SECRET?: string;
  ASSETS: Fetcher;
  /** Comma-separated API keys, several for rotation; set with `wrangler secret put NB_API_KEY`. */
  NB_API_KEY?: string;
  /** Optional: the rate-limiting binding for per-address limits (see wrangler.toml). */
  IP_LIMITER?: RateLimit;
  /** "off" disables the per-address limit (load tests from one address). */
  NB_RATE_LIMIT_IP?: string;
  /** Seconds a sent analytics message waits for D1 to show it counted before it is sent again (default 300). */
  NB_OUTBOX_LEASE_SECONDS?: string;
  /**
   * Identity verification (README "Identity verification"): a JSON object from site id to the secret
   * its backend signs user ids with, e.g. {"acme": "<64 hex>"}; a list of secrets per site while one
   * is rotated. Set with `wrangler secret put NB_IDENTITY_SECRETS`. Without it no identify from a
   * browser links devices; `POST /v1/identify` with the API key still does.
   */
  NB_IDENTITY_SECRETS?: string;
  /** Salt for the daily address hash; set it as a secret in production. */
  NB_IP_SALT?: string;
}

export type AppEnv = { Bindings: Env };
