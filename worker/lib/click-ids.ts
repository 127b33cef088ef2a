// The ad platforms' click ids and cookies as the profile keeps them, and the one check of their
// shape. Plain TypeScript without zod, like scrub.ts, so the snippet may bundle it too.
//
// Why a shape check: scrub.ts masks every run of 9+ digits in a URL, and a Microsoft click id (32
// hex characters) has one about a third of the time, Meta's `_fbp` cookie always (a timestamp in
// ms). A value of the platform's own alphabet with a letter in it is an id, not a phone number
// someone typed, so it is kept as it came (keepClickIds).

/** URL query parameters that carry a click id: Google (web, iOS app, web-to-app), Meta, Microsoft. */
export const URL_CLICK_IDS = ['gclid', 'gbraid', 'wbraid', 'fbclid', 'msclkid'] as const;

// Base64url-like ids (Google's and Meta's) and hex (Microsoft's), with at least one letter.
const CLICK_ID = /^(?=[^]*[A-Za-z])[A-Za-z0-9_-]{8,500}$/;
/** Meta's browser id: fb.<subdomain index>.<creation time, ms>.<random>, e.g. fb.1.1596403881668.1116446470. */
const FBP = /^fb\.\d\.\d{10,16}\.\d{1,20}$/;
/** Google's `_gcl_aw` cookie: GCL.<seconds>.<gclid>. */
const GCL_AW = /^GCL\.\d{1,16}\.[A-Za-z0-9_-]{8,150}$/;

export const isClickId = (value: string | null | undefined): value is string => !!value && CLICK_ID.test(value);
export const isFbp = (value: string | undefined): value is string => !!value && FBP.test(value);
export const isGclAw = (value: string | undefined): value is string => !!value && GCL_AW.test(value);

const PARAM = new RegExp(`([?&](?:${URL_CLICK_IDS.join('|')})=)([^&#]*)`, 'g');

/**
 * `scrubbed` (scrub.ts's output for `original`) with the click ids of `original` put back where the
 * scrub masked them. Only raw values of the ids' own alphabet are copied (no escapes are decoded),
 * and only when both URLs list the same parameters in the same order.
 */
export function keepClickIds(scrubbed: string, original: string): string {
  const originals = [...original.matchAll(PARAM)];
  if (originals.length === 0) return scrubbed;
  let index = 0;
  return scrubbed.replace(PARAM, (whole, name: string) => {
    const match = originals[index++];
    return match?.[1] === name && isClickId(match[2]) ? name + match[2] : whole;
  });
}

type AdCookies = { fbp?: string; gcl_aw?: string };

/**
 * A page event after scrub.ts, with its click ids and ad cookies as `original` had them when they
 * have the platforms' shapes; an ad cookie of any other shape is dropped rather than kept masked.
 */
export function keepAdIds<T extends { type: string; url?: string; ad_cookies?: AdCookies }>(scrubbed: T, original: T): T {
  if (scrubbed.type !== 'page' || !original.url) return scrubbed;
  const kept = { ...scrubbed, url: keepClickIds(scrubbed.url ?? '', original.url) };
  if (!original.ad_cookies) return kept;
  const { fbp, gcl_aw } = original.ad_cookies;
  const cookies = { ...(isFbp(fbp) ? { fbp } : {}), ...(isGclAw(gcl_aw) ? { gcl_aw } : {}) };
  const { ad_cookies: _masked, ...rest } = kept;
  return (Object.keys(cookies).length ? { ...rest, ad_cookies: cookies } : rest) as T;
}
