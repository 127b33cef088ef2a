// Secrets per site, each kind held in one Worker secret: a JSON object from site id to its secret, or
// to a list of secrets while one is rotated (NB_IDENTITY_SECRETS, NB_WEBHOOK_SECRETS). One JSON secret
// rather than one per site because site ids may hold `-`, which has no place in a variable name (and
// `acme-bank` and `acme_bank` would map to the same one), and because the worker then reads one
// declared binding.
import * as z from './zod';
import { Name } from '../schema/events';
import { describeIssue } from '../schema/issues';

const Secret = z.string().check(z.minLength(32, 'expected a secret of at least 32 characters'));
const SiteSecrets = z.record(Name, z.union([Secret, z.array(Secret).check(z.minLength(1), z.maxLength(5))]));

/** The secrets by site, or the path and reason the value is refused. */
function parseSecrets(raw: string): Map<string, string[]> | string {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return '(root): expected a JSON object such as {"acme": "<secret>"}';
  }
  const parsed = SiteSecrets.safeParse(json);
  if (!parsed.success) {
    const { path, reason } = describeIssue(parsed.error.issues[0]);
    return `${path}: ${reason}`;
  }
  return new Map(Object.entries(parsed.data).map(([site, secrets]) => [site, typeof secrets === 'string' ? [secrets] : secrets]));
}

const parsedByName = new Map<string, { raw: string; bySite: Map<string, string[]> | null }>();

/**
 * The secrets by site that the secret `name` holds, parsed once per value: an empty map when it is not
 * set, null when it does not parse (logged once with the path and reason to fix, `consequence` saying
 * what that stops).
 */
export function siteSecrets(name: string, raw: string | undefined, consequence: string): Map<string, string[]> | null {
  if (raw === undefined) return new Map();
  const cached = parsedByName.get(name);
  if (cached && cached.raw === raw) return cached.bySite;
  const parsed = parseSecrets(raw);
  if (typeof parsed === 'string') console.error(`${name}: ${parsed}; ${consequence}`);
  const bySite = typeof parsed === 'string' ? null : parsed;
  parsedByName.set(name, { raw, bySite });
  return bySite;
}
