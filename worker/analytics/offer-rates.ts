// What all visitors did with each offer and variant, overall and per context (the offer's
// `learn_by`, recorded with each visitor's first exposure), from the analytics rollups, for the
// engine's propensity (worker/engine/propensity.ts). It counts visitors, not events: each visitor is one
// trial of an offer and arm (shown it, clicked or converted in the window) and at most one click and
// one conversion, so one visitor, however many events they send, moves a rate by one visitor's worth. Read at most once a minute per site and isolate, so a
// decision costs no D1 round trip; a failed read never fails a decision: it decides on the rules'
// base rates alone and tries again a little later.
import type { ObservedRates } from '../engine';
import { HOLDOUT_ARM } from './rollup-keys';
import { DAY_MS, utcDate } from '../lib/time';
import { IsolateValue } from '../lib/isolate-value';
import { withTimeout } from '../lib/timeout';

/** Visitors first exposed in the last 30 days: recent enough to follow a change of banner. */
export const WINDOW_DAYS = 30;
const FRESH_MS = 60_000;
const RETRY_AFTER_FAILURE_MS = 10_000;
/** A read slower than this counts as failed: a decision waits for it at most this long. */
export const READ_TIMEOUT_MS = 500;

/** Each site's rates, as this isolate last read them. */
const cache = new Map<string, IsolateValue<ObservedRates>>();

/**
 * The most-exposed contexts kept per offer and arm. The rest of an arm's visitors count toward its
 * overall rate only (their decisions use it), so a site whose `learn_by` makes many contexts (every
 * set of segments) reads at most offers × arms × MAX_CONTEXTS rows: 50 offers × 3 arms × 30 = 4,500,
 * a few hundred kilobytes in memory per site and isolate.
 */
export const MAX_CONTEXTS = 30;

const VISITOR_COUNTS = `sum(impressions + clicks + converts > 0) AS impressions, sum(clicks > 0) AS clicks,
       sum(converts > 0) AS converts`;

type Row = { offer: string; arm: string; impressions: number; clicks: number; converts: number };

async function readRates(db: D1Database, site: string, now: number): Promise<ObservedRates> {
  const since = utcDate(now - WINDOW_DAYS * DAY_MS);
  // One round trip: the arms overall, then each arm's most-exposed contexts.
  const [overall, contexts] = await db.batch<Row & { context?: string }>([
    db
      .prepare(
        `SELECT offer, arm, ${VISITOR_COUNTS} FROM offer_visitors WHERE site = ? AND arm != ? AND day >= ? GROUP BY offer, arm`,
      )
      .bind(site, HOLDOUT_ARM, since),
    db
      .prepare(
        `SELECT offer, arm, context, impressions, clicks, converts FROM (
           SELECT offer, arm, context, ${VISITOR_COUNTS},
                  row_number() OVER (PARTITION BY offer, arm ORDER BY count(*) DESC, context) AS rank
           FROM offer_visitors WHERE site = ? AND arm != ? AND day >= ? AND context IS NOT NULL AND context != ''
           GROUP BY offer, arm, context)
         WHERE rank <= ?`,
      )
      .bind(site, HOLDOUT_ARM, since, MAX_CONTEXTS),
  ]);
  // Null prototypes: ids from the database stay ordinary keys, even "__proto__".
  const rates = Object.create(null) as ObservedRates;
  for (const { offer, arm, impressions, clicks, converts } of overall.results) {
    rates[offer] ??= Object.create(null) as ObservedRates[string];
    rates[offer][arm] = { impressions, clicks, converts };
  }
  for (const { offer, arm, context, impressions, clicks, converts } of contexts.results) {
    const counts = rates[offer]?.[arm];
    if (!counts || !context) continue;
    counts.contexts ??= Object.create(null) as NonNullable<typeof counts.contexts>;
    counts.contexts[context] = { impressions, clicks, converts };
  }
  return rates;
}

/**
 * The observed rates of a site's offers, a minute old at most (a little more for the requests that
 * come while one reads them again); `{}` while D1 cannot answer.
 */
export function offerRates(db: D1Database, site: string, now = Date.now()): Promise<ObservedRates> {
  let rates = cache.get(site);
  if (!rates) cache.set(site, (rates = new IsolateValue()));
  return rates.get(now, async () => {
    try {
      return { value: await withTimeout(readRates(db, site, now), READ_TIMEOUT_MS), until: now + FRESH_MS };
    } catch (error) {
      console.warn(`offer rates for ${site} unavailable, deciding on base rates:`, error);
      return { value: {}, until: now + RETRY_AFTER_FAILURE_MS };
    }
  });
}
