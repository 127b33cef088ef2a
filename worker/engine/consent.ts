// Consent as the engine reads it: gates need an explicit yes, and an update changes only the
// purposes it states, so a page that reports `ads` alone does not forget a `personalization` yes.
import type { Consent } from './state';

const PURPOSES = ['analytics', 'personalization', 'ads'] as const;

export function consentGiven(consent: Consent, kind: string | undefined): boolean {
  // Unknown is no, as ad platforms and the GDPR expect.
  return kind === undefined || consent[kind as keyof Consent] === true;
}

/** `base` with the purposes that `update` states as true or false (undefined leaves them as they were). */
export function mergeConsent(base: Consent, update: Consent | undefined): Consent {
  if (!update) return base;
  const merged = { ...base };
  for (const purpose of PURPOSES) {
    const value = update[purpose];
    if (typeof value === 'boolean') merged[purpose] = value;
  }
  return merged;
}
