// Click ids on the profile: taken from a page view's URL (gclid, gbraid, wbraid, fbclid as Meta's
// `fbc`, msclkid) and the ad platforms' cookies the snippet sends (`_fbp`, `_gcl_aw`), each with its
// time; kept only while the visitor gives ads consent and for 90 days, the lifetime Google and
// Meta give a click. Pure: the time is the event's.
import type { Event } from '../schema/events';
import { consentGiven } from './consent';
import type { ClickIds, VisitorState } from './state';
import { isClickId, isFbp, isGclAw, URL_CLICK_IDS } from '../lib/click-ids';
import { DAY_MS } from '../lib/time';

export const CLICK_ID_DAYS = 90;
const MAX_AGE_MS = CLICK_ID_DAYS * DAY_MS;
type Name = keyof ClickIds;

/**
 * Meta's `fbc` for a click id first seen at `at` (ms): fb.<subdomain index>.<creation time>.<fbclid>,
 * with the index 1 that Meta asks servers to use ("fbp and fbc parameters", Conversions API).
 */
export const fbcOf = (fbclid: string, at: number) => `fb.1.${at}.${fbclid}`;

/** The ids a page event carries, by the name the profile keeps them under; values that are not ids are left out. */
export function clickIdsOf(event: Extract<Event, { type: 'page' }>): Partial<Record<Name, string>> {
  const found: Partial<Record<Name, string>> = {};
  if (/[?&](?:gclid|gbraid|wbraid|fbclid|msclkid)=/.test(event.url)) {
    const query = new URL(event.url).searchParams;
    for (const name of URL_CLICK_IDS) {
      const value = query.get(name);
      if (isClickId(value)) found[name === 'fbclid' ? 'fbc' : name] = value;
    }
  }
  if (isFbp(event.ad_cookies?.fbp)) found.fbp = event.ad_cookies.fbp;
  if (isGclAw(event.ad_cookies?.gcl_aw)) found.gcl_aw = event.ad_cookies.gcl_aw;
  return found;
}

/**
 * Folds an event into the click ids: without ads consent they are dropped (never stored); otherwise
 * those past 90 days go, and a page view's ids are kept, a newer click replacing an older one. The
 * same click seen again (a reload of the landing page) keeps its first time, as Meta's fbc wants.
 */
export function noteClickIds(state: VisitorState, event: Event, at: number): void {
  if (!consentGiven(state.consent, 'ads')) {
    delete state.click_ids;
    return;
  }
  const found = event.type === 'page' ? clickIdsOf(event) : {};
  if (!state.click_ids && Object.keys(found).length === 0) return;
  const ids = (state.click_ids = currentClickIds(state.click_ids, at));
  for (const [name, raw] of Object.entries(found) as Array<[Name, string]>) {
    const held = ids[name];
    const value = name === 'fbc' ? fbcOf(raw, at) : raw;
    if (held && (name === 'fbc' ? held.value.endsWith(`.${raw}`) : held.value === raw)) continue;
    if (!held || at >= held.at) ids[name] = { value, at };
  }
  if (Object.keys(ids).length === 0) delete state.click_ids;
}

/** The click ids still valid at `now`: the profile's and the exports' view of them. */
export function currentClickIds(ids: ClickIds | undefined, now: number): ClickIds {
  const current: ClickIds = {};
  for (const [name, id] of Object.entries(ids ?? {}) as Array<[Name, NonNullable<ClickIds[Name]>]>) {
    if (now - id.at < MAX_AGE_MS) current[name] = id;
  }
  return current;
}
