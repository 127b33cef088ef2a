// What the visitor allows: analytics (send anything), personalization (render offers), ads
// (ad audiences, click ids, hashed e-mail and phone). In order: the visitor's own choice through
// nb('consent', …); else the page's Google Consent Mode state (a CMP's gtag('consent', …) calls
// in dataLayer); else the tag's mode: data-nb-consent="opt-out" (the default) allows, "opt-in"
// does not. GPC and Do Not Track always deny ads, and deny everything in strict mode. Browsers also
// send them as Sec-GPC / DNT headers, which the worker reads for audiences. Every batch carries the
// settings in effect, so the worker follows the same model.
import { optIn, strict } from './config';
import { readJson, store } from './storage';

export type Purpose = 'analytics' | 'personalization' | 'ads';
type Consent = Partial<Record<Purpose, boolean>>;

const nav = navigator as Navigator & { globalPrivacyControl?: boolean };
export const gpc = nav.globalPrivacyControl || nav.doNotTrack == '1';

let given: Consent | undefined;

/**
 * Consent Mode v2 as the page's gtag calls left it in dataLayer (later calls win): each purpose
 * needs every one of its consent types that the page states to be "granted"; a purpose none of
 * whose types is stated is left to the tag's mode.
 */
function consentMode(purpose: Purpose): boolean | undefined {
  const state: Record<string, string> = {};
  for (const call of (window as { dataLayer?: ArrayLike<unknown>[] }).dataLayer || [])
    if (call?.[0] == 'consent') Object.assign(state, call[2]);
  const types = {
    analytics: ['analytics_storage'],
    personalization: ['personalization_storage'],
    ads: ['ad_storage', 'ad_user_data', 'ad_personalization'],
  }[purpose].filter((type) => state[type]);
  return types[0] ? types.every((type) => state[type] == 'granted') : undefined;
}

export function allowed(purpose: Purpose): boolean {
  return (
    !(gpc && (strict || purpose == 'ads')) &&
    ((given ||= readJson<Consent>('nb_consent', {}))[purpose] ?? consentMode(purpose) ?? !optIn)
  );
}

/** The settings in effect, GPC and strict mode applied: what each batch tells the worker. */
export const settings = (): Required<Consent> => ({
  analytics: allowed('analytics'),
  personalization: allowed('personalization'),
  ads: allowed('ads'),
});

/**
 * Stores an update. When the choice changed, answers the settings in effect for the entry to
 * send, so that the server learns of each change once and never of an ads grant under GPC;
 * otherwise nothing.
 */
export function setConsent(update: Consent): Required<Consent> | undefined {
  const before = JSON.stringify((given ||= readJson<Consent>('nb_consent', {})));
  const after = JSON.stringify((given = { ...given, ...update }));
  if (after != before) return (store('nb_consent', after), settings());
}
