// The sites bundled with the worker, compiled: one per rules/<site>.json but the demo's, found by
// the build (rules/cli/sites.ts writes sites.generated.ts). Each is its site's starting version; versions
// published through the API live in D1 and take over (worker/rules/live.ts). A broken file fails the
// build, and again here when the worker starts, naming the problem.
import { loadRules, type CompiledRules } from '../worker/engine';
import { bundledFiles } from './sites.generated';

function compileAll(): Map<string, CompiledRules> {
  const sites = new Map<string, CompiledRules>();
  for (const [site, json] of Object.entries(bundledFiles)) {
    const result = loadRules(json, `rules/${site}.json`);
    if (!result.ok) throw new Error(`invalid rules:\n${result.problems.join('\n')}`);
    sites.set(site, result.rules);
  }
  return sites;
}

export const sites = compileAll();
