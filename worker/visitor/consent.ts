// Consent reaches a profile two ways: a `track` event named "consent" whose props say which
// purposes are granted (the snippet sends one when the visitor changes a choice), and the consent
// each batch says the page applies (the snippet's mode, Consent Mode, GPC), which is stored with
// each of the batch's events so that a replay (a profile merged into its person's, a rules preview)
// arrives at the same consent, click ids and audiences. The engine keeps consent from the request
// context it is given.
import type { Event } from '../schema/events';
import type { RequestContext } from '../engine';

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
