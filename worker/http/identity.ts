// Identity verification: an identify event links devices and merges profiles only when the site's
// backend vouched for the user id with `sig` = hex HMAC-SHA256(site's identity secret, uid). Anyone
// can compute the SHA-256 of an e-mail address; only the site can compute its signature.
import type { Env } from '../env';
import type { Event } from '../schema/events';
import { hmacSha256Hex } from '../lib/hex';
import { siteSecrets } from '../lib/site-secrets';

/**
 * The NB_IDENTITY_SECRETS secret by site (worker/lib/site-secrets.ts). A value that does not parse
 * verifies nothing: each identify stays on its device, which is safe.
 */
const secretsOf = (env: Env) =>
  siteSecrets('NB_IDENTITY_SECRETS', env.NB_IDENTITY_SECRETS, 'no identify is verified until it is fixed') ??
  new Map<string, string[]>();

const encoder = new TextEncoder();

/** Compares two hex strings in time that depends only on their lengths (both 64 here). */
function sameHex(a: string, b: string): boolean {
  const [x, y] = [encoder.encode(a), encoder.encode(b)];
  return x.byteLength === y.byteLength && crypto.subtle.timingSafeEqual(x, y);
}

/** Whether `sig` is the HMAC of `uid` under one of the site's identity secrets. */
export async function signatureValid(env: Env, site: string, uid: string, sig: string | undefined): Promise<boolean> {
  if (sig === undefined) return false;
  let valid = false;
  // Every secret is tried, so the time taken does not tell which one matched.
  for (const secret of secretsOf(env).get(site) ?? []) valid = sameHex(await hmacSha256Hex(secret, uid), sig) || valid;
  return valid;
}

/**
 * The user ids a batch's identify events may link this visitor to: every one when the caller holds
 * the API key (the site's own backend), otherwise those whose `sig` verifies. The events come back
 * without `sig`: a signature vouches for its user id indefinitely, so it is neither stored nor sent
 * to analytics.
 */
export async function verifyIdentities(
  env: Env,
  site: string,
  events: Event[],
  keyed: boolean,
): Promise<{ events: Event[]; verified: string[] }> {
  const verified: string[] = [];
  const stripped: Event[] = [];
  for (const event of events) {
    if (event.type !== 'identify') {
      stripped.push(event);
      continue;
    }
    const { sig, ...unsigned } = event;
    if (keyed || (await signatureValid(env, site, event.uid, sig))) verified.push(event.uid);
    stripped.push(unsigned);
  }
  return { events: stripped, verified };
}
