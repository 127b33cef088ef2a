// Reading and publishing a site's rules versions for the admin API: the live document (D1's highest
// version, else the bundled file), the history, and publishing a validated document as the next
// version (a rollback publishes an older one again). Every document is checked by the loader the
// CLI and the build use; a refused one changes nothing.
import { loadRules } from '../engine';
import { adPolicyFindings, findingLine } from '../../rules/ad-policy';
import { ApiError } from '../http/errors';
import type { RulesVersion, VersionInfo, Published } from '../schema/rules';
import { bundledDocument, liveRules, type RulesEnv } from './live';
import { appendVersion, documentHash, latestVersion, listVersions, readVersion, type StoredVersion } from './store';

/** A bundled file no publish has recorded: version 1, by the deploy. */
const bundledInfo = (hash: string): VersionInfo => ({
  version: 1,
  hash,
  author: 'bundle',
  message: 'deployed rules file',
  created_at: null,
});

/** The live document of a site, or null for a site with neither a bundled file nor a version. */
export async function liveDocument(env: RulesEnv, site: string): Promise<RulesVersion | null> {
  const stored = await d1(latestVersion(env.DB, site));
  if (stored) return view(site, stored, 'published', true);
  const bundled = await bundledDocument(env, site);
  return bundled ? view(site, { ...bundledInfo(bundled.hash), json: bundled.json }, 'bundled', true) : null;
}

export async function versionDocument(env: RulesEnv, site: string, version: number): Promise<RulesVersion | null> {
  const [stored, latest] = await d1(Promise.all([readVersion(env.DB, site, version), latestVersion(env.DB, site)]));
  if (stored) return view(site, stored, 'published', stored.version === latest?.version);
  const bundled = latest ? undefined : await bundledDocument(env, site);
  return bundled && version === 1 ? view(site, { ...bundledInfo(bundled.hash), json: bundled.json }, 'bundled', true) : null;
}

export async function versionHistory(env: RulesEnv, site: string): Promise<VersionInfo[]> {
  const versions = await d1(listVersions(env.DB, site));
  if (versions.length) return versions;
  const bundled = await bundledDocument(env, site);
  return bundled ? [bundledInfo(bundled.hash)] : [];
}

/**
 * For a document the loader accepts, returns the ad-policy lint's findings as
 * `path: severity: reason (policy)` lines; otherwise throws the 400 listing every problem as
 * `path: reason`. With `refuse`, the lint's errors are problems too (a new document is held to
 * `rules check`); with `report` (a rollback, a preview) they are only returned.
 */
export function checkDocument(json: unknown, adPolicy: 'refuse' | 'report' = 'report'): string[] {
  const loaded = loadRules(json, '');
  const problems = loaded.ok ? [] : loaded.problems.map((line) => line.slice(1));
  const findings = loaded.ok ? adPolicyFindings(loaded.rules.source) : [];
  const refused = adPolicy === 'refuse' ? findings.filter((finding) => finding.severity === 'error') : [];
  problems.push(...refused.map(findingLine));
  if (problems.length) throw new ApiError(400, 'invalid_rules', problems.join('\n'), problems[0].split(': ')[0]);
  return findings.map(findingLine);
}

export async function publish(
  env: RulesEnv,
  input: { site: string; json: unknown; author: string; message: string; now: number; adPolicy: 'refuse' | 'report' },
): Promise<Published> {
  const { adPolicy, ...version } = input;
  const warnings = checkDocument(input.json, adPolicy);
  const text = JSON.stringify(input.json);
  const hash = await documentHash(text);
  const live = await liveDocument(env, input.site);
  if (live?.hash === hash) return { site: input.site, version: live.version, hash, unchanged: true, warnings };
  const bundled = live?.source === 'bundled' ? await bundledDocument(env, input.site) : undefined;
  const number = await d1(appendVersion(env.DB, { ...version, json: text, hash, bundled }));
  // This isolate serves it from its next request; the others within a minute (live.ts).
  liveRules.invalidate();
  return { site: input.site, version: number, hash, unchanged: false, warnings };
}

function view(
  site: string,
  stored: StoredVersion | (VersionInfo & { json: string }),
  source: RulesVersion['source'],
  live: boolean,
): RulesVersion {
  const { json, ...info } = stored;
  return { site, ...info, source, live, rules: JSON.parse(json) as Record<string, unknown> };
}

/** A D1 failure answers 503, with nothing changed: the caller may retry. */
async function d1<T>(promise: Promise<T>): Promise<T> {
  try {
    return await promise;
  } catch (error) {
    console.error('rules: D1 failed', error);
    throw new ApiError(503, 'unavailable', 'the rules store (D1) did not answer; nothing was changed, try again');
  }
}
