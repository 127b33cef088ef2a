// The worker with every D1 call counted, by who made it (the events queue consumer, the Visitor
// objects, the fetch handler, the webhooks consumer), read back at GET /bench/d1: what
// `npm run bench:load` divides by the events it sent. Statements and calls are counted for every
// method; rows written and read, and D1's own time, come from each result's `meta`, which `first()`
// and `raw()` do not return (the worker uses them for reads only). Never part of the deployed worker.
import type { Env } from '../../../worker/env';
import type { QueuedEvent } from '../../../worker/analytics/message';
import type { WebhookMessage } from '../../../worker/audiences/webhooks';
import worker, { Visitor as ShippedVisitor } from '../../../worker/index';

export * from '../../../worker/index';

interface Tally {
  /** Calls to D1: a batch counts once, however many statements it holds. */
  calls: number;
  statements: number;
  rows_written: number;
  rows_read: number;
  /** Milliseconds D1 reported for the statements (its own figure, not the round trip). */
  ms: number;
}
type Origin = 'consumer' | 'visitor' | 'fetch' | 'webhooks';

const tallies: Record<Origin, Tally> = {
  consumer: { calls: 0, statements: 0, rows_written: 0, rows_read: 0, ms: 0 },
  visitor: { calls: 0, statements: 0, rows_written: 0, rows_read: 0, ms: 0 },
  fetch: { calls: 0, statements: 0, rows_written: 0, rows_read: 0, ms: 0 },
  webhooks: { calls: 0, statements: 0, rows_written: 0, rows_read: 0, ms: 0 },
};

function add(tally: Tally, meta: D1Meta | undefined): void {
  tally.rows_written += meta?.rows_written ?? 0;
  tally.rows_read += meta?.rows_read ?? 0;
  tally.ms += meta?.duration ?? 0;
}

/** The statements this module handed out, to their originals: D1's batch gets what it made. */
const originals = new WeakMap<D1PreparedStatement, D1PreparedStatement>();

function countedStatement(statement: D1PreparedStatement, tally: Tally): D1PreparedStatement {
  const counted = new Proxy(statement, {
    get(target, property) {
      if (property === 'bind') return (...values: unknown[]) => countedStatement(target.bind(...values), tally);
      if (property === 'run' || property === 'all')
        return async () => {
          tally.calls++;
          tally.statements++;
          const result = await target[property]();
          add(tally, result.meta);
          return result;
        };
      const value = Reflect.get(target, property) as unknown;
      if (property === 'first' || property === 'raw') {
        tally.calls++;
        tally.statements++;
      }
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  originals.set(counted, statement);
  return counted;
}

function countedDb(db: D1Database, tally: Tally): D1Database {
  return new Proxy(db, {
    get(target, property) {
      if (property === 'prepare') return (sql: string) => countedStatement(target.prepare(sql), tally);
      if (property === 'batch')
        return async (statements: D1PreparedStatement[]) => {
          tally.calls++;
          tally.statements += statements.length;
          const results = await target.batch(statements.map((statement) => originals.get(statement) ?? statement));
          for (const result of results) add(tally, result.meta);
          return results;
        };
      const value = Reflect.get(target, property) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

const counted = (env: Env, origin: Origin): Env => ({ ...env, DB: countedDb(env.DB, tallies[origin]) });

export class Visitor extends ShippedVisitor {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, counted(env, 'visitor'));
  }
}

export default {
  fetch(request: Request, env: Env, ctx: ExecutionContext): Response | Promise<Response> {
    if (new URL(request.url).pathname === '/bench/d1') return Response.json(tallies);
    return worker.fetch(request, counted(env, 'fetch'), ctx);
  },
  queue(batch: MessageBatch<QueuedEvent | WebhookMessage>, env: Env): Promise<void> {
    return worker.queue(batch, counted(env, batch.queue === 'nextbest-webhooks' ? 'webhooks' : 'consumer'));
  },
};
