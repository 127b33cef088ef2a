// Resolves a site id to its compiled rules, answering 404 for a site without a rules file and
// 403 for a browser origin the site does not list.
import type { Context } from 'hono';
import { sites } from '../../rules/sites';
import type { CompiledRules } from '../engine';
import { allowSiteOrigin } from './cors';
import { ApiError } from './errors';

export function siteRules(c: Context, site: string, { checkOrigin }: { checkOrigin: boolean }): CompiledRules {
  const rules = sites.get(site);
  if (!rules) throw new ApiError(404, 'unknown_site', `no rules file for site "${site}" (expected rules/${site}.json)`, 'site');
  if (checkOrigin) allowSiteOrigin(c, site, rules.source.origins);
  return rules;
}
