// What the visitor allows: analytics (send anything), personalization (render offers), ads
// (ad audiences). GPC and Do Not Track always deny ads, and deny everything in strict mode.
// Browsers also send them as Sec-GPC / DNT headers, which the worker reads for audiences.
import { optIn, strict } from './config';
import { readJson, store } from './storage';

export type Purpose = 'analytics' | 'personalization' | 'ads';
type Consent = Partial<Record<Purpose, boolean>>;

const nav = navigator as Navigator & { globalPrivacyControl?: boolean };
export const gpc = nav.globalPrivacyControl || nav.doNotTrack == '1';

let given: Consent | undefined;

export function allowed(purpose: Purpose): boolean {
  return !(gpc && (strict || purpose == 'ads')) && ((given ||= readJson<Consent>('nb_consent', {}))[purpose] ?? !optIn);
}

/**
 * Stores an update. When the choice changed, answers the settings in effect (GPC and strict mode
 * applied) for the entry to send, so that the server learns of each change once and never of an
 * ads grant under GPC; otherwise nothing.
 */
export function setConsent(update: Consent): Required<Consent> | undefined {
  const before = JSON.stringify((given ||= readJson<Consent>('nb_consent', {})));
  const after = JSON.stringify((given = { ...given, ...update }));
  if (after != before) {
    store('nb_consent', after);
    return { analytics: allowed('analytics'), personalization: allowed('personalization'), ads: allowed('ads') };
  }
}
