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
  /**
   * Read-only keys, each for one site's dashboard and /v1/stats: `site:key,site:key` (several per site
   * to rotate); set with `wrangler secret put NB_DASHBOARD_KEYS`. Dashboard sessions are signed with
   * a key derived from NB_API_KEY and this list, so changing either signs everyone out.
   */
  NB_DASHBOARD_KEYS?: string;
  /** Optional: the rate-limiting binding for per-address limits (see wrangler.toml). */
  IP_LIMITER?: RateLimit;
  /** "off" disables the per-address limit (load tests from one address). */
  NB_RATE_LIMIT_IP?: string;
  /** Seconds a sent analytics message waits for D1 to show it counted before it is sent again (default 300). */
  NB_OUTBOX_LEASE_SECONDS?: string;
  /** Salt for the daily address hash; set it as a secret in production. */
  NB_IP_SALT?: string;
}

export type AppEnv = { Bindings: Env };
