// The worker's environment. Bindings and vars come from wrangler.toml through `wrangler types`
// (worker/env.generated.d.ts: `npm run types` rewrites it, `npm run check` fails when it is stale).
// Added here, what wrangler.toml cannot say: the secrets, the optional tuning vars it leaves unset,
// and the message type of each queue.
import type { QueuedEvent } from './analytics/message';
import type { WebhookMessage } from './audiences/webhooks';

declare global {
  namespace Cloudflare {
    // Merged into the generated interface, so `env` from cloudflare:workers has them too. Secrets live
    // in Cloudflare (`wrangler secret put`) and locally in .dev.vars; each is optional because a
    // deploy may lack one, and the code says what happens then.
    interface Env {
      /** Comma-separated API keys, several for rotation; set with `wrangler secret put NB_API_KEY`. */
      NB_API_KEY?: string;
      /**
       * Read-only keys, each for one site's dashboard and /v1/stats: `site:key,site:key` (several per
       * site to rotate); set with `wrangler secret put NB_DASHBOARD_KEYS`. Dashboard sessions are signed
       * with a key derived from NB_API_KEY and this list, so changing either signs everyone out.
       */
      NB_DASHBOARD_KEYS?: string;
      /**
       * Signs audience webhooks (HMAC-SHA256) of the sites NB_WEBHOOK_SECRETS does not name; set with
       * `wrangler secret put NB_WEBHOOK_SECRET`. Without either, no webhook is sent.
       */
      NB_WEBHOOK_SECRET?: string;
      /**
       * Per-site webhook secrets (README "Audience webhooks"), like NB_IDENTITY_SECRETS: a JSON object
       * from site id to the secret its receivers verify with, e.g. {"acme": "<64 hex>"}; a list while
       * one is rotated (each signs). Set with `wrangler secret put NB_WEBHOOK_SECRETS`.
       */
      NB_WEBHOOK_SECRETS?: string;
      /** Salt for the daily address hash; set it as a secret in production. */
      NB_IP_SALT?: string;
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
    }
  }
}

export interface Env extends Omit<Cloudflare.Env, 'EVENTS' | 'WEBHOOKS'> {
  EVENTS: Queue<QueuedEvent>;
  WEBHOOKS: Queue<WebhookMessage>;
}

export type AppEnv = { Bindings: Env };
