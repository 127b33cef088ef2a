// Whether an offer may be shown to this visitor now, and if not, why (in words a marketer reads):
// consent, stages, segments, conditions, conversion, caps per day and in total, dismiss cooldown.
import type { EvalContext } from './context';
import { consentGiven } from './consent';
import type { CompiledOffer } from './rules';
import type { OfferState } from './state';
import { HOUR_MS, utcDayNumber } from '../lib/time';

/** Why an offer is out; `limited` marks caps, cooldowns and conversions, which decisions explain. */
export interface Ineligible {
  why: string;
  limited: boolean;
}

/** Returns null when eligible. */
export function ineligible(
  offer: CompiledOffer,
  history: OfferState | undefined,
  context: EvalContext,
  now: number,
): Ineligible | null {
  const why = unmatched(offer, context);
  if (why) return { why, limited: false };
  const limit = history ? capped(offer, history, now) : null;
  return limit ? { why: limit, limited: true } : null;
}

function unmatched(offer: CompiledOffer, context: EvalContext): string | null {
  const rule = offer.source;
  if (!consentGiven(context.consent, rule.requires_consent)) return `needs ${rule.requires_consent} consent`;
  if (rule.stages && !rule.stages.includes(context.stage)) return `stage=${context.stage} not in ${rule.stages.join('|')}`;
  if (rule.segments && !rule.segments.some((id) => context.segments.includes(id)))
    return `not in segment ${rule.segments.join('|')}`;
  if (!offer.matches(context)) return 'conditions not met';
  if (offer.excluded?.(context)) return 'excluded by unless';
  return null;
}

function capped(offer: CompiledOffer, history: OfferState, now: number): string | null {
  const { caps, suppress_after_convert } = offer.source;
  if (suppress_after_convert && history.converts > 0) return 'already converted';
  if (caps.total !== undefined && history.impressions >= caps.total)
    return `capped: ${history.impressions} of ${caps.total} impressions in total`;
  if (caps.per_day !== undefined && history.day === utcDayNumber(now) && history.day_impressions >= caps.per_day) {
    return `capped: ${history.day_impressions} of ${caps.per_day} impressions today (UTC)`;
  }
  const cooldown = caps.dismiss_cooldown_hours;
  if (cooldown !== undefined && history.last_dismiss !== undefined && now < history.last_dismiss + cooldown * HOUR_MS) {
    return `cooling down: dismissed ${Math.floor((now - history.last_dismiss) / HOUR_MS)}h ago (cooldown ${cooldown}h)`;
  }
  return null;
}
