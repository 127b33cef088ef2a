// The bindings wrangler.toml declares, as the worker sees them.
import type { Visitor } from './visitor/visitor';
import type { QueuedEvent } from './analytics/message';

export interface Env {
  VISITOR: DurableObjectNamespace<Visitor>;
  DB: D1Database;
  EVENTS: Queue<QueuedEvent>;
  ASSETS: Fetcher;
  /** Comma-separated API keys, several for rotation; set with `wrangler secret put NB_API_KEY`. */
  NB_API_KEY?: string;
}

export type AppEnv = { Bindings: Env };
