// The D1 statements that roll a message's person (person.ts) up into the lifecycle tables of
// migrations/0007_lifecycle.sql: the one writer of people, person_products, person_links,
// customer_days, revenue and winbacks. Snapshots keep the newest (most events) per person and may
// be applied again; what adds up (revenue) or happens once (a win-back, an active day) carries the
// rollup's unseen-event guard, so each event id counts once.
import type { RulesFile } from '../../rules/schema';
import type { KeyedEvent } from './message';
import type { Builder } from './rollup';

/** `snapshot: false` leaves out the `people` row, which a newer snapshot of the person replaces anyway. */
export function personStatements(
  b: Builder,
  message: KeyedEvent,
  rules: RulesFile | undefined,
  snapshot: boolean,
): D1PreparedStatement[] {
  const person = message.person;
  if (!person) return [];
  const { keys } = b;
  const site = keys.site;
  const out: D1PreparedStatement[] = [];
  if (snapshot)
    out.push(
      b.counting(
        `INSERT INTO people (site, vh, version, source, medium, referrer, referred_at, lead_at, customer_at, activated_at)
         SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE $UNSEEN
         ON CONFLICT (site, vh) DO UPDATE SET version = excluded.version, source = excluded.source,
           medium = excluded.medium, referrer = excluded.referrer, referred_at = excluded.referred_at,
           lead_at = excluded.lead_at, customer_at = excluded.customer_at, activated_at = excluded.activated_at
         WHERE excluded.version >= people.version`,
        site,
        person.ph,
        person.version,
        person.source ?? null,
        person.medium ?? null,
        person.referrer ?? null,
        person.referred_at ?? null,
        person.lead_at ?? null,
        person.customer_at ?? null,
        person.activated_at ?? null,
      ),
    );
  for (const { product, taken, closed } of person.products) {
    out.push(
      b.counting(
        `INSERT INTO person_products (site, vh, product, version, taken_at, closed_at) SELECT ?, ?, ?, ?, ?, ? WHERE $UNSEEN
         ON CONFLICT (site, vh, product) DO UPDATE SET version = excluded.version, taken_at = excluded.taken_at,
           closed_at = excluded.closed_at
         WHERE excluded.version >= person_products.version`,
        site,
        person.ph,
        product,
        person.version,
        taken,
        closed ?? null,
      ),
    );
  }
  for (const vh of person.linked ?? []) {
    out.push(b.plain('INSERT OR IGNORE INTO person_links (site, vh, person) VALUES (?, ?, ?)', site, vh, person.ph));
  }
  if (person.customer && person.active) {
    out.push(
      b.counting('INSERT OR IGNORE INTO customer_days (site, vh, day) SELECT ?, ?, ? WHERE $UNSEEN', site, person.ph, keys.day),
    );
  }
  const { event } = message;
  if (event.type === 'track' && event.amount !== undefined) {
    out.push(
      b.counting(
        `INSERT INTO revenue (site, vh, day, currency, amount, events) SELECT ?, ?, ?, ?, ?, 1 WHERE $UNSEEN
         ON CONFLICT (site, vh, day, currency) DO UPDATE SET amount = amount + excluded.amount, events = events + 1`,
        site,
        person.ph,
        keys.day,
        event.currency ?? rules?.lifecycle.currency ?? 'USD',
        event.amount,
      ),
    );
  }
  if (person.winback) {
    out.push(
      b.counting(
        'INSERT OR IGNORE INTO winbacks (site, vh, at, day, offer) SELECT ?, ?, ?, ?, ? WHERE $UNSEEN',
        site,
        person.ph,
        keys.at,
        keys.day,
        person.winback.offer,
      ),
    );
  }
  return out;
}
