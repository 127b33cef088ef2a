// The keys a request may present, read from two secrets: NB_API_KEY (admin keys: every route) and
// NB_DASHBOARD_KEYS (read-only keys, each for one site: its dashboard and /v1/stats only). Both are
// comma-separated lists, so a key can be rotated without downtime. Parsed once per isolate.
import * as z from '../lib/zod';
import type { Env } from '../env';
import { Name } from '../schema/events';

/** What a key, or a dashboard session opened with one, may see. */
export const Access = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('admin') }),
  z.strictObject({ kind: z.literal('read-only'), sites: z.array(Name).check(z.minLength(1), z.maxLength(100)) }),
]);
export type Access = z.infer<typeof Access>;

/** One entry of NB_DASHBOARD_KEYS: `site:key`, the site a rules file name. */
const DashboardKey = z.pipe(
  z.pipe(
    z.string(),
    z.transform((entry) => {
      const [, site = '', key = ''] = /^([^:]*):(.*)$/s.exec(entry) ?? [];
      return { site: site.trim(), key: key.trim() };
    }),
  ),
  z.object({ site: Name, key: z.string().check(z.minLength(1)) }),
);

interface Keyring {
  /** SHA-256 of each admin key, compared in constant time with the digest of a presented key. */
  admin: ArrayBuffer[];
  readOnly: Array<{ site: string; digest: ArrayBuffer }>;
  /** Signs dashboard sessions; null without an admin key. */
  sessionSecret: ArrayBuffer | null;
}

const encoder = new TextEncoder();
const digest = (text: string) => crypto.subtle.digest('SHA-256', encoder.encode(text));
const list = (secret: string | undefined) =>
  (secret ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);

// The session secret is derived (HKDF) from the admin keys rather than kept as a secret of its own:
// nothing more to provision, and whoever knows an admin key may do everything a forged session
// could. The read-only keys go into HKDF's info, never its key material, so their holders cannot
// forge a session. Changing either secret signs everyone out: a key taken off a list must stop
// working at once, also in the sessions it opened.
async function deriveSessionSecret(adminKeys: string[], readOnly: string[]): Promise<ArrayBuffer | null> {
  if (adminKeys.length === 0) return null;
  const material = await crypto.subtle.importKey('raw', encoder.encode([...adminKeys].sort().join('\n')), 'HKDF', false, [
    'deriveBits',
  ]);
  const info = encoder.encode(['nextbest dashboard session v1', ...[...readOnly].sort()].join('\n'));
  return crypto.subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(32), info }, material, 256);
}

async function buildKeyring(env: Env): Promise<Keyring> {
  const adminKeys = list(env.NB_API_KEY);
  const entries = list(env.NB_DASHBOARD_KEYS);
  const readOnly: Keyring['readOnly'] = [];
  for (const [index, entry] of entries.entries()) {
    const parsed = DashboardKey.safeParse(entry);
    // A bad entry is skipped, not fatal: the other keys keep working. The log says which one.
    if (!parsed.success) console.warn(`NB_DASHBOARD_KEYS entry ${index + 1}: expected site:key with a site id such as demo`);
    else readOnly.push({ site: parsed.data.site, digest: await digest(parsed.data.key) });
  }
  return {
    admin: await Promise.all(adminKeys.map(digest)),
    readOnly,
    sessionSecret: await deriveSessionSecret(adminKeys, entries),
  };
}

/** The keyring built last, kept as a value: a promise shared between requests is not safe (lib/isolate-value.ts). */
let cached: { source: string; keyring: Keyring } | undefined;

export async function keyring(env: Env): Promise<Keyring> {
  const source = `${env.NB_API_KEY ?? ''}\n${env.NB_DASHBOARD_KEYS ?? ''}`;
  if (cached?.source === source) return cached.keyring;
  const built = await buildKeyring(env);
  cached = { source, keyring: built };
  return built;
}

/** What `given` opens: every configured key is compared, by digest, in constant time. */
export async function accessOfKey(env: Env, given: string | undefined): Promise<Access | null> {
  if (!given) return null;
  const [ring, presented] = await Promise.all([keyring(env), digest(given)]);
  let admin = false;
  for (const key of ring.admin) admin = crypto.subtle.timingSafeEqual(presented, key) || admin;
  const sites = ring.readOnly.filter(({ digest: key }) => crypto.subtle.timingSafeEqual(presented, key)).map((k) => k.site);
  if (admin) return { kind: 'admin' };
  return sites.length ? { kind: 'read-only', sites: [...new Set(sites)] } : null;
}

export const canSee = (access: Access, site: string) => access.kind === 'admin' || access.sites.includes(site);
