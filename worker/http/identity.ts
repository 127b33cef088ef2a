// Identity verification: an identify event links devices and merges profiles only when the site's
// backend vouched for the user id with `sig` = hex HMAC-SHA256(site's identity secret, uid). Anyone
// can compute the SHA-256 of an e-mail address; only the site can compute its signature.
import { z } from 'zod';
import type { Env } from '../env';
import { Name, type Event } from '../schema/events';
import { describeIssue } from '../schema/issues';
import { hmacSha256Hex } from '../lib/hex';

const Secret = z.string().min(32, 'expected a secret of at least 32 characters');
/**
 * The NB_IDENTITY_SECRETS secret: a JSON object from site id to its secret, or to a list of secrets
 * while one is rotated (a signature under any of them is valid).
 */
const IdentitySecrets = z.record(Name, z.union([Secret, z.array(Secret).min(1).max(5)]));

let cached: { raw: string | undefined; bySite: Map<string, string[]> } | undefined;

/** The secrets by site, or the path and reason the value is refused. */
function parseSecrets(raw: string): Map<string, string[]> | string {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return '(root): expected a JSON object such as {"acme": "<secret>"}';
  }
  const parsed = IdentitySecrets.safeParse(json);
  if (!parsed.success) {
    const { path, reason } = describeIssue(parsed.error.issues[0]);
    return `${path}: ${reason}`;
  }
  return new Map(Object.entries(parsed.data).map(([site, secrets]) => [site, typeof secrets === 'string' ? [secrets] : secrets]));
}

/**
 * Parsed once per value of the secret. A value that does not parse verifies nothing (each identify
 * stays on its device, which is safe) and is logged once with the path and reason to fix.
 */
function secretsOf(env: Env): Map<string, string[]> {
  const raw = env.NB_IDENTITY_SECRETS;
  if (cached && cached.raw === raw) return cached.bySite;
  const parsed = raw === undefined ? new Map<string, string[]>() : parseSecrets(raw);
  if (typeof parsed === 'string') console.error(`NB_IDENTITY_SECRETS: ${parsed}; no identify is verified until it is fixed`);
  const bySite = typeof parsed === 'string' ? new Map<string, string[]>() : parsed;
  cached = { raw, bySite };
  return bySite;
}

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
