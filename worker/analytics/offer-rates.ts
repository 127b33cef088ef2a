// What all visitors did with each offer and variant, from the analytics rollups, for the engine's
// propensity (worker/engine/propensity.ts). It counts visitors, not events: each visitor is one
// trial of an offer and arm (shown it, clicked or converted in the window) and at most one click and
// one conversion, so one visitor, however many events they send, moves a rate by one visitor's worth. Read at most once a minute per site and isolate, so a
// decision costs no D1 round trip; a failed read never fails a decision: it decides on the rules'
// base rates alone and tries again a little later.
import type { ObservedRates } from '../engine';
import { HOLDOUT_ARM } from './rollup-keys';
import { DAY_MS, utcDate } from '../lib/time';
import { withTimeout } from '../lib/timeout';

/** Visitors first exposed in the last 30 days: recent enough to follow a change of banner. */
export const WINDOW_DAYS = 30;
const FRESH_MS = 60_000;
const RETRY_AFTER_FAILURE_MS = 10_000;
/** A read slower than this counts as failed: a decision waits for it at most this long. */
export const READ_TIMEOUT_MS = 500;

interface Cached {
  until: number;
  rates: Promise<ObservedRates>;
}

const cache = new Map<string, Cached>();

async function readRates(db: D1Database, site: string, now: number): Promise<ObservedRates> {
  const { results } = await db
    .prepare(
      `SELECT offer, arm, sum(impressions + clicks + converts > 0) AS impressions, sum(clicks > 0) AS clicks,
              sum(converts > 0) AS converts
       FROM offer_visitors WHERE site = ? AND arm != ? AND day >= ? GROUP BY offer, arm`,
    )
    .bind(site, HOLDOUT_ARM, utcDate(now - WINDOW_DAYS * DAY_MS))
    .all<{ offer: string; arm: string; impressions: number; clicks: number; converts: number }>();
  // Null prototypes: ids from the database stay ordinary keys, even "__proto__".
  const rates = Object.create(null) as ObservedRates;
  for (const { offer, arm, impressions, clicks, converts } of results) {
    rates[offer] ??= Object.create(null) as ObservedRates[string];
    rates[offer][arm] = { impressions, clicks, converts };
  }
  return rates;
}

/** The observed rates of a site's offers, at most a minute old; `{}` while D1 cannot answer. */
export function offerRates(db: D1Database, site: string, now = Date.now()): Promise<ObservedRates> {
  const cached = cache.get(site);
  if (cached && cached.until > now) return cached.rates;
  const entry: Cached = {
    until: now + FRESH_MS,
    rates: withTimeout(readRates(db, site, now), READ_TIMEOUT_MS).catch((error: unknown) => {
      console.warn(`offer rates for ${site} unavailable, deciding on base rates:`, error);
      entry.until = now + RETRY_AFTER_FAILURE_MS;
      return {};
    }),
  };
  cache.set(site, entry);
  return entry.rates;
}
