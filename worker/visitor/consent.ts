// Consent reaches a profile two ways: a `track` event named "consent" whose props say which
// purposes are granted (the snippet sends one when the visitor changes a choice), and the consent
// each batch says the page applies (the snippet's mode, Consent Mode, GPC). The engine keeps
// consent from the request context it is given; a batch's consent that changes the profile's is
// stored as a consent event of its own, so that replaying the stored events (a profile merged into
// its person's, a rules preview) arrives at the same consent, click ids and audiences.
import type { Event } from '../schema/events';
import type { RequestContext } from '../engine';
import type { Consent } from '../engine/state';
import { mergeConsent } from '../engine/consent';

const PURPOSES = ['analytics', 'personalization', 'ads'] as const;

export function consentOf(event: Event): RequestContext['consent'] | undefined {
  if (event.type !== 'track' || event.name !== 'consent' || !event.props) return undefined;
  const consent: NonNullable<RequestContext['consent']> = {};
  for (const purpose of PURPOSES) {
    const granted = event.props[purpose];
    if (typeof granted === 'boolean') consent[purpose] = granted;
  }
  return consent;
}

/**
 * The consent event to store before a batch whose consent changes `current`, else none. Its id
 * derives from the batch's first event, so that a retried batch stores it once.
 */
export function consentChange(current: Consent, batch: RequestContext['consent'], first: Event): Event | undefined {
  if (!batch) return undefined;
  const merged = mergeConsent(current, batch);
  if (PURPOSES.every((purpose) => merged[purpose] === current[purpose])) return undefined;
  const props = Object.fromEntries(PURPOSES.filter((purpose) => purpose in merged).map((purpose) => [purpose, merged[purpose]!]));
  return { id: `consent-${first.id}`.slice(0, 64), ts: first.ts, type: 'track', name: 'consent', props };
}
