// The snippet reports consent changes as a `track` event named "consent" whose props say which
// purposes are granted; the engine keeps consent from the request context it is given.
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
