// Resolves a site id to its compiled rules, answering 404 for a site without a rules file (or the
// demo where it is off) and 403 for a browser origin the site does not list.
import type { Context } from 'hono';
import { sites } from '../../rules/sites';
import type { CompiledRules } from '../engine';
import type { AppEnv, Env } from '../env';
import { allowSiteOrigin } from './cors';
import { DEMO_SITE, demoOn } from './demo';
import { ApiError } from './errors';

/** The ids of the sites this deployment serves, in rules/sites.ts order. */
export function siteIds(env: Pick<Env, 'NB_DEMO'>): string[] {
  return [...sites.keys()].filter((site) => site !== DEMO_SITE || demoOn(env));
}

export function siteRules(c: Context<AppEnv>, site: string, { checkOrigin }: { checkOrigin: boolean }): CompiledRules {
  const rules = site === DEMO_SITE && !demoOn(c.env) ? undefined : sites.get(site);
  if (!rules) throw new ApiError(404, 'unknown_site', `no rules file for site "${site}" (expected rules/${site}.json)`, 'site');
  if (checkOrigin) allowSiteOrigin(c, site, rules.source.origins);
  return rules;
}
