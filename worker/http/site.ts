// Resolves a site id to the rules this isolate serves for it now (worker/rules/live.ts), answering
// 404 for a site with neither a bundled rules file nor a published version (or the demo where it is
// off) and 403 for a browser origin the site does not list.
import type { Context } from 'hono';
import type { AppEnv } from '../env';
import { liveRules, type LiveSite, type RulesEnv } from '../rules/live';
import { allowSiteOrigin } from './cors';
import { DEMO_SITE, demoOn } from './demo';
import { ApiError } from './errors';

/** The sites this deployment serves now, by id: the demo only where it is on. */
export async function servedSites(env: RulesEnv): Promise<Map<string, LiveSite>> {
  const all = await liveRules.sites(env);
  return new Map([...all].filter(([site]) => site !== DEMO_SITE || demoOn(env)));
}

/** The ids of the sites served: bundled ones in file-name order, the demo where it is on, then the published-only ones. */
export async function siteIds(env: RulesEnv): Promise<string[]> {
  return [...(await servedSites(env)).keys()];
}

/** The live site, or undefined: for routes that may create a site (a publish). */
export async function findSite(c: Context<AppEnv>, site: string): Promise<LiveSite | undefined> {
  if (site === DEMO_SITE && !demoOn(c.env)) return undefined;
  return liveRules.site(c.env, site);
}

export async function siteRules(c: Context<AppEnv>, site: string, { checkOrigin }: { checkOrigin: boolean }): Promise<LiveSite> {
  const live = await findSite(c, site);
  if (!live) throw unknownSite(site);
  if (checkOrigin) allowSiteOrigin(c, site, live.rules.source.origins);
  return live;
}

export const unknownSite = (site: string) =>
  new ApiError(
    404,
    'unknown_site',
    `no rules for site "${site}" (expected rules/${site}.json, or a version published with PUT /v1/rules/${site})`,
    'site',
  );
