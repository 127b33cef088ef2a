// The D1 statements that roll one queued event up into the KPI tables (migrations/0003_kpis.sql).
// Every statement that counts is guarded by "this event is not in seen_events yet", and the last
// statement records it there: run in one D1 batch (a transaction), an event counts exactly once
// however often the queue delivers it.
// The one writer of the rollup tables (daily_counts, visitor_days, page_views, form_visitors,
// form_steps, offer_visitors, stage_visitors, seen_events); the dashboard, offer-rates.ts and the
// outbox's confirmation only read them, erase.ts deletes a visitor's rows.
import type { Event } from '../schema/events';
import type { KeyedEvent, QueuedEvent } from './message';
import { armOf } from './rollup-keys';
import { utcDate } from '../lib/time';

/** The (metric, dimension) counters of daily_counts that one event adds 1 to. */
export function countersOf(message: QueuedEvent): Array<[metric: string, dim: string]> {
  const counters = eventCounters(message.event);
  if (message.stage) counters.push(['stage_enter', message.stage.to]);
  return counters;
}

function eventCounters(event: Event): Array<[string, string]> {
  switch (event.type) {
    case 'page':
      return [['page_views', new URL(event.url).pathname]];
    case 'form':
      return [[`form_${event.action}`, event.form]];
    case 'offer':
      return [[`offer_${event.action}`, `${event.offer}/${armOf(event.variant)}`]];
    case 'track':
      return [['track', event.name]];
    case 'identify':
      return [['identify', '']];
  }
}

interface Keys {
  site: string;
  vh: string;
  day: string;
  at: number;
  id: string;
}

/** Builds statements: `counting` ones carry the unseen-event guard (its parameters come last). */
interface Builder {
  keys: Keys;
  plain(sql: string, ...values: unknown[]): D1PreparedStatement;
  counting(sql: string, ...values: unknown[]): D1PreparedStatement;
}

function builder(db: D1Database, keys: Keys): Builder {
  const unseen = 'NOT EXISTS (SELECT 1 FROM seen_events WHERE site = ? AND vh = ? AND id = ?)';
  return {
    keys,
    plain: (sql, ...values) => db.prepare(sql).bind(...values),
    counting: (sql, ...values) => db.prepare(sql.replaceAll('$UNSEEN', unseen)).bind(...values, keys.site, keys.vh, keys.id),
  };
}

/** The statements for one event. */
export function rollupStatements(db: D1Database, message: KeyedEvent): D1PreparedStatement[] {
  const keys: Keys = { site: message.site, vh: message.vh, day: utcDate(message.at), at: message.at, id: message.event.id };
  const b = builder(db, keys);
  const { event } = message;
  const out: D1PreparedStatement[] = [
    b.counting(
      `INSERT INTO visitor_days (site, day, vh, events, pages) SELECT ?, ?, ?, 1, ? WHERE $UNSEEN
       ON CONFLICT (site, day, vh) DO UPDATE SET events = events + 1, pages = pages + excluded.pages`,
      keys.site, keys.day, keys.vh, event.type === 'page' ? 1 : 0,
    ),
  ];
  for (const [metric, dim] of countersOf(message)) {
    out.push(
      b.counting(
        `INSERT INTO daily_counts (site, day, metric, dim, n) SELECT ?, ?, ?, ?, 1 WHERE $UNSEEN
         ON CONFLICT (site, day, metric, dim) DO UPDATE SET n = n + 1`,
        keys.site, keys.day, metric, dim,
      ),
    );
  }
  if (event.type === 'page') {
    const utm = message.utm;
    out.push(
      b.counting(
        'INSERT OR IGNORE INTO page_views (site, vh, id, day, at, sid, source, medium) SELECT ?, ?, ?, ?, ?, ?, ?, ? WHERE $UNSEEN',
        keys.site, keys.vh, keys.id, keys.day, keys.at, message.sid ?? null, utm?.source ?? null, utm?.medium ?? null,
      ),
    );
  }
  if (event.type === 'form') out.push(...formStatements(b, event));
  if (event.type === 'offer') {
    const counts = { impression: [1, 0, 0], click: [0, 1, 0], convert: [0, 0, 1], dismiss: [0, 0, 0] }[event.action];
    out.push(...exposureStatements(b, event.offer, armOf(event.variant), counts));
  }
  for (const exposure of message.offers ?? []) {
    out.push(...exposureStatements(b, exposure.offer, armOf(exposure.variant, exposure.holdout), [0, 0, 0]));
  }
  if (message.stage) {
    out.push(
      b.counting(
        `INSERT INTO stage_visitors (site, stage, vh, day, at) SELECT ?, ?, ?, ?, ? WHERE $UNSEEN
         ON CONFLICT (site, stage, vh) DO UPDATE SET
           day = CASE WHEN excluded.at < at THEN excluded.day ELSE day END, at = MIN(at, excluded.at)`,
        keys.site, message.stage.to, keys.vh, keys.day, keys.at,
      ),
    );
  }
  out.push(b.plain('INSERT OR IGNORE INTO seen_events (site, vh, id, day) VALUES (?, ?, ?, ?)', keys.site, keys.vh, keys.id, keys.day));
  return out;
}

/** A batch ignored as a bot's: counted per day, with no visitor behind it. */
export function botBatchStatement(db: D1Database, site: string, at: number): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO daily_counts (site, day, metric, dim, n) VALUES (?, ?, 'bot_batches', '', 1)
       ON CONFLICT (site, day, metric, dim) DO UPDATE SET n = n + 1`,
    )
    .bind(site, utcDate(at));
}

type FormEvent = Extract<Event, { type: 'form' }>;

function formStatements(b: Builder, event: FormEvent): D1PreparedStatement[] {
  const { keys } = b;
  // A start without a step is step 1; an abandon or submit without one moves nothing forward.
  const furthest = event.step ?? (event.action === 'start' ? 1 : 0);
  const submittedAt = event.action === 'submit' ? keys.at : null;
  const abandonedStep = event.action === 'abandon' ? (event.step ?? 0) : null;
  const out = [
    b.counting(
      `INSERT INTO form_visitors (site, form, vh, day, first_at, furthest, steps, submitted_at, abandoned_step)
       SELECT ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE $UNSEEN
       ON CONFLICT (site, form, vh) DO UPDATE SET
         day = CASE WHEN excluded.first_at < first_at THEN excluded.day ELSE day END,
         first_at = MIN(first_at, excluded.first_at),
         furthest = MAX(furthest, excluded.furthest),
         steps = COALESCE(MAX(steps, excluded.steps), steps, excluded.steps),
         submitted_at = COALESCE(MIN(submitted_at, excluded.submitted_at), submitted_at, excluded.submitted_at),
         abandoned_step = COALESCE(MAX(abandoned_step, excluded.abandoned_step), abandoned_step, excluded.abandoned_step)`,
      keys.site, event.form, keys.vh, keys.day, keys.at, furthest, event.steps ?? null, submittedAt, abandonedStep,
    ),
  ];
  if (event.step && event.step_name) {
    // Names carry no visitor data and writing one again is harmless: no guard.
    out.push(
      b.plain(
        `INSERT INTO form_steps (site, form, step, name) VALUES (?, ?, ?, ?)
         ON CONFLICT (site, form, step) DO UPDATE SET name = excluded.name`,
        keys.site, event.form, event.step, event.step_name,
      ),
    );
  }
  if (submittedAt !== null) out.push(goalStatement(b));
  return out;
}

function exposureStatements(b: Builder, offer: string, arm: string, [impressions, clicks, converts]: number[]): D1PreparedStatement[] {
  const { keys } = b;
  return [
    b.counting(
      `INSERT INTO offer_visitors (site, offer, arm, vh, day, exposed_at, impressions, clicks, converts)
       SELECT ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE $UNSEEN
       ON CONFLICT (site, offer, arm, vh) DO UPDATE SET
         day = CASE WHEN excluded.exposed_at < exposed_at THEN excluded.day ELSE day END,
         exposed_at = MIN(exposed_at, excluded.exposed_at),
         impressions = impressions + excluded.impressions,
         clicks = clicks + excluded.clicks,
         converts = converts + excluded.converts`,
      keys.site, offer, arm, keys.vh, keys.day, keys.at, impressions, clicks, converts,
    ),
    goalStatement(b, offer),
  ];
}

/**
 * Offer lift's goal: the visitor's first form submission at or after their first exposure. Derived
 * from form_visitors, so it holds whichever of exposure and submission the queue delivers first; a
 * minimum over stored rows, so running it again changes nothing and it needs no guard.
 */
function goalStatement({ plain, keys }: Builder, offer?: string): D1PreparedStatement {
  const submitted = `(SELECT MIN(f.submitted_at) FROM form_visitors f
     WHERE f.site = offer_visitors.site AND f.vh = offer_visitors.vh AND f.submitted_at >= offer_visitors.exposed_at)`;
  const sql = `UPDATE offer_visitors SET goal_at = COALESCE(MIN(goal_at, ${submitted}), goal_at, ${submitted})
     WHERE site = ? AND vh = ?`;
  return offer === undefined ? plain(sql, keys.site, keys.vh) : plain(`${sql} AND offer = ?`, keys.site, keys.vh, offer);
}
