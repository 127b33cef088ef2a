// What the visitor allows: analytics (send anything), personalization (render offers), ads
// (ad audiences). GPC and Do Not Track always deny ads, and deny everything in strict mode.
import { optIn, strict } from './config';
import { read, readJson, write } from './storage';

export type Purpose = 'analytics' | 'personalization' | 'ads';
type Consent = Partial<Record<Purpose, boolean>>;

const nav = navigator as Navigator & { globalPrivacyControl?: boolean };
export const gpc = !!nav.globalPrivacyControl || nav.doNotTrack == '1';

let given: Consent = readJson('nb_consent', {});

export function allowed(purpose: Purpose): boolean {
  return !(gpc && (strict || purpose == 'ads')) && (given[purpose] ?? !optIn);
}

export function setConsent(update: Consent): void {
  given = { ...given, ...update };
  write('nb_consent', JSON.stringify(given));
}

/** The effective settings when they differ from the last ones sent, so the server learns of each change once. */
export function changed(): Record<Purpose, boolean> | undefined {
  const now = { analytics: allowed('analytics'), personalization: allowed('personalization'), ads: allowed('ads') };
  const text = JSON.stringify(now);
  if (text != read('nb_cs')) {
    write('nb_cs', text);
    return now;
  }
}
