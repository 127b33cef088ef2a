// The D1 statements that roll one queued event up into the KPI tables (migrations/0003_kpis.sql).
// Every statement that counts is guarded by "this event is not in seen_events yet, and its visitor
// was not erased after it happened" (erase.ts), and the last statement records it there: run in one
// D1 batch (a transaction), an event counts exactly once however often the queue delivers it, and
// never once its visitor is erased. Names the visitor makes up are bounded (name-caps.ts).
// The one writer of the rollup tables (daily_counts, visitor_days, page_views, form_visitors,
// form_step_labels, offer_visitors, stage_visitors, seen_events); the dashboard, offer-rates.ts and the
// outbox's confirmation only read them, erase.ts deletes a visitor's rows.
import type { Event } from '../schema/events';
import type { RulesFile } from '../../rules/schema';
import type { KeyedEvent, QueuedEvent } from './message';
import { armOf, isRulesArm } from './rollup-keys';
import { NOT_ERASED } from './erase';
import { KNOWN_NAME, OTHER, registerName, type NameKind } from './name-caps';
import { localDate } from '../lib/zone';
import { personStatements } from './person-rollup';

/** A daily_counts counter: `kind` when the dimension is a name the visitor chose, kept only under its cap. */
type Counter = [metric: string, dim: string, kind?: NameKind];

/** The (metric, dimension) counters of daily_counts that one event adds 1 to. */
export function countersOf(message: QueuedEvent, rules: RulesFile | undefined): Counter[] {
  const counters = eventCounters(message.event, rules);
  if (message.stage) counters.push(['stage_enter', message.stage.to]);
  const person = message.person;
  for (const { offer, variant } of productConverts(message, rules))
    counters.push(['offer_convert', `${offer}/${armOf(variant)}`]);
  // Offer conversions of people who already were customers: the cross-sells.
  if (person?.was_customer) {
    const event = message.event;
    const offers = new Set(person.converts?.map(({ offer }) => offer));
    if (event.type === 'offer' && event.action === 'convert') offers.add(event.offer);
    for (const offer of offers) if (rules?.offers.some((o) => o.id === offer)) counters.push(['cross_sell_convert', offer]);
  }
  return counters;
}

function eventCounters(event: Event, rules: RulesFile | undefined): Counter[] {
  switch (event.type) {
    case 'page':
      return [['page_views', new URL(event.url).pathname]];
    case 'form':
      return [[`form_${event.action}`, event.form, 'form']];
    case 'offer': {
      const known = isRulesArm(rules, event.offer, event.variant);
      return [[`offer_${event.action}`, known ? `${event.offer}/${armOf(event.variant)}` : OTHER]];
    }
    case 'track':
      return [['track', event.name, 'track']];
    case 'identify':
      return [['identify', '']];
  }
}

/** The offers the event converted by taking their product (person.ts), as far as the rules know their arm. */
function productConverts(message: QueuedEvent, rules: RulesFile | undefined) {
  return (message.person?.converts ?? []).filter(({ offer, variant }) => isRulesArm(rules, offer, variant));
}

/** The name a counter or row of this event names, for the kinds that are capped. */
function cappedName(event: Event): [NameKind, string] | null {
  if (event.type === 'form') return ['form', event.form];
  if (event.type === 'track') return ['track', event.name];
  return null;
}

export interface Keys {
  site: string;
  vh: string;
  day: string;
  at: number;
  id: string;
}

/** Builds statements: `counting` ones carry the unseen-event guard (its parameters come last). */
export interface Builder {
  keys: Keys;
  plain(sql: string, ...values: unknown[]): D1PreparedStatement;
  counting(sql: string, ...values: unknown[]): D1PreparedStatement;
}

function builder(db: D1Database, keys: Keys): Builder {
  const unseen = `NOT EXISTS (SELECT 1 FROM seen_events WHERE site = ? AND vh = ? AND id = ?) AND ${NOT_ERASED}`;
  return {
    keys,
    plain: (sql, ...values) => db.prepare(sql).bind(...values),
    counting: (sql, ...values) =>
      db.prepare(sql.replaceAll('$UNSEEN', unseen)).bind(...values, keys.site, keys.vh, keys.id, keys.site, keys.vh, keys.at),
  };
}

/**
 * The statements for one event; `rules` are the site's (offers and variants they do not name get no
 * rows). `snapshot: false` leaves out the person's snapshot, for a caller that writes a newer one of
 * the same person in the same go.
 */
export function rollupStatements(
  db: D1Database,
  message: KeyedEvent,
  rules: RulesFile | undefined,
  { snapshot = true }: { snapshot?: boolean } = {},
): D1PreparedStatement[] {
  // Days are the site's own (rules `timezone`), so the dashboard's days end at the site's midnight.
  const day = localDate(message.at, rules?.timezone);
  const keys: Keys = { site: message.site, vh: message.vh, day, at: message.at, id: message.event.id };
  const b = builder(db, keys);
  const { event } = message;
  const capped = cappedName(event);
  const out: D1PreparedStatement[] = [
    // First, so the statements below see whether the name has (or just got) its row.
    ...(capped ? [registerName(b.counting, keys.site, ...capped)] : []),
    b.counting(
      `INSERT INTO visitor_days (site, day, vh, events, pages) SELECT ?, ?, ?, 1, ? WHERE $UNSEEN
       ON CONFLICT (site, day, vh) DO UPDATE SET events = events + 1, pages = pages + excluded.pages`,
      keys.site,
      keys.day,
      keys.vh,
      event.type === 'page' ? 1 : 0,
    ),
  ];
  for (const [metric, dim, kind] of countersOf(message, rules)) {
    const [dimSql, dimValues] = kind
      ? [`CASE WHEN ${KNOWN_NAME} THEN ? ELSE '${OTHER}' END`, [keys.site, kind, dim, dim]]
      : ['?', [dim]];
    out.push(
      b.counting(
        `INSERT INTO daily_counts (site, day, metric, dim, n) SELECT ?, ?, ?, ${dimSql}, 1 WHERE $UNSEEN
         ON CONFLICT (site, day, metric, dim) DO UPDATE SET n = n + 1`,
        keys.site,
        keys.day,
        metric,
        ...dimValues,
      ),
    );
  }
  if (event.type === 'page') {
    const utm = message.utm;
    out.push(
      b.counting(
        'INSERT OR IGNORE INTO page_views (site, vh, id, day, at, sid, source, medium, path, device) SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE $UNSEEN',
        keys.site,
        keys.vh,
        keys.id,
        keys.day,
        keys.at,
        message.sid ?? null,
        utm?.source ?? null,
        utm?.medium ?? null,
        new URL(event.url).pathname,
        message.device ?? null,
      ),
    );
  }
  if (event.type === 'form') out.push(...formStatements(b, event));
  const exposures: D1PreparedStatement[] = [];
  if (event.type === 'offer' && isRulesArm(rules, event.offer, event.variant)) {
    const counts = { impression: [1, 0, 0], click: [0, 1, 0], convert: [0, 0, 1], dismiss: [0, 0, 0] }[event.action];
    exposures.push(exposureStatement(b, event.offer, armOf(event.variant), counts, null));
  }
  for (const { offer, variant } of productConverts(message, rules))
    exposures.push(exposureStatement(b, offer, armOf(variant), [0, 0, 1], null));
  for (const exposure of message.offers ?? []) {
    if (isRulesArm(rules, exposure.offer, exposure.variant, exposure.holdout))
      exposures.push(
        exposureStatement(b, exposure.offer, armOf(exposure.variant, exposure.holdout), [0, 0, 0], exposure.context ?? null),
      );
  }
  out.push(...exposures);
  // After the rows it reads: one for the event, whatever it exposed or submitted.
  if (exposures.length > 0 || (event.type === 'form' && event.action === 'submit')) out.push(goalStatement(b));
  if (message.stage) {
    out.push(
      b.counting(
        `INSERT INTO stage_visitors (site, stage, vh, day, at) SELECT ?, ?, ?, ?, ? WHERE $UNSEEN
         ON CONFLICT (site, stage, vh) DO UPDATE SET
           day = CASE WHEN excluded.at < at THEN excluded.day ELSE day END, at = MIN(at, excluded.at)`,
        keys.site,
        message.stage.to,
        keys.vh,
        keys.day,
        keys.at,
      ),
    );
  }
  out.push(...personStatements(b, message, rules, snapshot));
  out.push(
    b.counting(
      'INSERT OR IGNORE INTO seen_events (site, vh, id, day) SELECT ?, ?, ?, ? WHERE $UNSEEN',
      keys.site,
      keys.vh,
      keys.id,
      keys.day,
    ),
  );
  return out;
}

/** A batch ignored as a bot's: counted per day (of the site's `zone`), with no visitor behind it. */
export function botBatchStatement(db: D1Database, site: string, at: number, zone?: string): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO daily_counts (site, day, metric, dim, n) VALUES (?, ?, 'bot_batches', '', 1)
       ON CONFLICT (site, day, metric, dim) DO UPDATE SET n = n + 1`,
    )
    .bind(site, localDate(at, zone));
}

type FormEvent = Extract<Event, { type: 'form' }>;

/** Distinct labels kept per form step: a redesign or two, not whatever anyone posts. */
export const LABELS_PER_STEP = 8;

function formStatements(b: Builder, event: FormEvent): D1PreparedStatement[] {
  const { keys } = b;
  // A start without a step is step 1; an abandon or submit without one moves nothing forward.
  const furthest = event.step ?? (event.action === 'start' ? 1 : 0);
  const submittedAt = event.action === 'submit' ? keys.at : null;
  const abandonedStep = event.action === 'abandon' ? (event.step ?? 0) : null;
  const out = [
    b.counting(
      `INSERT INTO form_visitors (site, form, vh, day, first_at, furthest, steps, submitted_at, abandoned_step)
       SELECT ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE ${KNOWN_NAME} AND $UNSEEN
       ON CONFLICT (site, form, vh) DO UPDATE SET
         day = CASE WHEN excluded.first_at < first_at THEN excluded.day ELSE day END,
         first_at = MIN(first_at, excluded.first_at),
         furthest = MAX(furthest, excluded.furthest),
         steps = COALESCE(MAX(steps, excluded.steps), steps, excluded.steps),
         submitted_at = COALESCE(MIN(submitted_at, excluded.submitted_at), submitted_at, excluded.submitted_at),
         abandoned_step = COALESCE(MAX(abandoned_step, excluded.abandoned_step), abandoned_step, excluded.abandoned_step)`,
      keys.site,
      event.form,
      keys.vh,
      keys.day,
      keys.at,
      furthest,
      event.steps ?? null,
      submittedAt,
      abandonedStep,
      keys.site,
      'form',
      event.form,
    ),
  ];
  if (event.step && event.step_name) {
    // Counted per day, so a range shows the label most of its events carried. A step keeps at most
    // LABELS_PER_STEP labels: one that has its row counts on, a new one only while there is room.
    out.push(
      b.counting(
        `INSERT INTO form_step_labels (site, form, step, name, day, n) SELECT ?, ?, ?, ?, ?, 1
         WHERE ${KNOWN_NAME} AND (
           EXISTS (SELECT 1 FROM form_step_labels WHERE site = ? AND form = ? AND step = ? AND name = ?)
           OR (SELECT COUNT(DISTINCT name) FROM form_step_labels WHERE site = ? AND form = ? AND step = ?) < ${LABELS_PER_STEP})
         AND $UNSEEN
         ON CONFLICT (site, form, step, name, day) DO UPDATE SET n = n + 1`,
        keys.site,
        event.form,
        event.step,
        event.step_name,
        keys.day,
        keys.site,
        'form',
        event.form,
        ...[keys.site, event.form, event.step, event.step_name],
        ...[keys.site, event.form, event.step],
      ),
    );
  }
  return out;
}

/** One row per visitor, offer and arm: the visitor counts once however many events they send. */
function exposureStatement(
  b: Builder,
  offer: string,
  arm: string,
  [impressions, clicks, converts]: number[],
  context: string | null,
): D1PreparedStatement {
  const { keys } = b;
  // `context` is the one of the earliest decision that carried it (events carry none).
  return b.counting(
    `INSERT INTO offer_visitors (site, offer, arm, vh, day, exposed_at, impressions, clicks, converts, context)
       SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE $UNSEEN
       ON CONFLICT (site, offer, arm, vh) DO UPDATE SET
         context = CASE WHEN excluded.context IS NOT NULL AND (context IS NULL OR excluded.exposed_at < exposed_at)
                        THEN excluded.context ELSE context END,
         day = CASE WHEN excluded.exposed_at < exposed_at THEN excluded.day ELSE day END,
         exposed_at = MIN(exposed_at, excluded.exposed_at),
         impressions = impressions + excluded.impressions,
         clicks = clicks + excluded.clicks,
         converts = converts + excluded.converts`,
    keys.site,
    offer,
    arm,
    keys.vh,
    keys.day,
    keys.at,
    impressions,
    clicks,
    converts,
    context,
  );
}

/**
 * Offer lift's goal: the visitor's first form submission at or after their first exposure. Derived
 * from form_visitors, so it holds whichever of exposure and submission the queue delivers first; a
 * minimum over stored rows, so running it again changes nothing and it needs no guard. It touches
 * only the visitor's rows whose goal it moves: most events expose without a submission, and write
 * nothing here.
 */
function goalStatement({ plain, keys }: Builder): D1PreparedStatement {
  const submitted = `FROM form_visitors f
     WHERE f.site = offer_visitors.site AND f.vh = offer_visitors.vh AND f.submitted_at >= offer_visitors.exposed_at`;
  return plain(
    `UPDATE offer_visitors SET goal_at = (SELECT MIN(f.submitted_at) ${submitted})
     WHERE site = ? AND vh = ?
       AND EXISTS (SELECT 1 ${submitted} AND (offer_visitors.goal_at IS NULL OR f.submitted_at < offer_visitors.goal_at))`,
    keys.site,
    keys.vh,
  );
}
