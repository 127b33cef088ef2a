// The rules files the worker serves, by site id. A site is known only if its file is listed here;
// each file is validated when the worker starts, and a broken one fails loudly, naming the problem.
import { loadRules, type CompiledRules } from '../worker/engine';
import demo from './demo.json';

const files: Record<string, unknown> = { demo };

function compileAll(): Map<string, CompiledRules> {
  const sites = new Map<string, CompiledRules>();
  for (const [site, json] of Object.entries(files)) {
    const result = loadRules(json, `rules/${site}.json`);
    if (!result.ok) throw new Error(`invalid rules:\n${result.problems.join('\n')}`);
    sites.set(site, result.rules);
  }
  return sites;
}

export const sites = compileAll();
