// The rules each isolate serves: the bundled rules/<site>.json (and the demo's, where it is on),
// replaced by a site's live version in D1 once one is published (store.ts). Each isolate caches
// what it has and checks D1 for newer versions at most every FRESH_MS with one cheap query (the
// highest version per site), loading only a changed document; so every isolate serves a publish
// within a minute. A request takes one snapshot, so a decision never mixes two versions. While D1
// cannot answer, the isolate keeps serving what it had (the bundled rules at worst), says so in its
// logs, and asks again later.
import { loadRules, type CompiledRules } from '../engine';
import type { Env } from '../env';
import { DEMO_SITE, demoOn } from '../http/demo';
import { sites as bundledSites } from '../../rules/sites';
import { bundledFiles } from '../../rules/sites.generated';
import { IsolateValue, type Loaded } from '../lib/isolate-value';
import { withTimeout } from '../lib/timeout';
import { documentHash, liveVersions, readVersion } from './store';

/** Checks for a newer version this often; with the time a check takes, well within a minute. */
export const FRESH_MS = 30_000;
const RETRY_AFTER_FAILURE_MS = 10_000;
/** A check slower than this counts as failed: a request waits for it at most this long. */
const READ_TIMEOUT_MS = 500;

export interface LiveSite {
  site: string;
  /** 1 for a bundled file never published over; published versions count on from there. */
  version: number;
  source: 'bundled' | 'published';
  hash: string;
  rules: CompiledRules;
}

/** What reading the rules takes: D1 for the published versions, the assets for the demo's file. */
export type RulesEnv = Pick<Env, 'DB' | 'ASSETS' | 'NB_DEMO'>;

/**
 * rules/demo.json, which `npm run build` puts among the demo's pages (dist/demo/rules.json) rather
 * than in the bundle: a deploy, where the demo is off, neither ships nor compiles it.
 */
async function readDemoFile(env: RulesEnv): Promise<unknown> {
  const response = await env.ASSETS.fetch('https://assets.invalid/demo/rules.json');
  if (!response.ok) throw new Error(`the demo's rules answered ${response.status}: run npm run build`);
  return response.json();
}

/** A file as stored: its JSON text and digest. */
async function documentOf(file: unknown): Promise<{ json: string; hash: string }> {
  const json = JSON.stringify(file);
  return { json, hash: await documentHash(json) };
}

/** A bundled site's file as stored, or the demo's where it is on: the site's version 1. */
export async function bundledDocument(env: RulesEnv, site: string): Promise<{ json: string; hash: string } | undefined> {
  if (Object.hasOwn(bundledFiles, site)) return documentOf(bundledFiles[site]);
  return site === DEMO_SITE && demoOn(env) ? documentOf(await readDemoFile(env)) : undefined;
}

export class LiveRules {
  private bundled: Map<string, LiveSite> | undefined;
  private demo: LiveSite | undefined;
  private readonly published = new IsolateValue<Map<string, LiveSite>>();

  /** Every site served now; a request keeps the map it got, whatever a later check changes. */
  async sites(env: RulesEnv, now = Date.now()): Promise<ReadonlyMap<string, LiveSite>> {
    const published = await this.published.get(now, (stale) => this.check(env.DB, now, stale ?? new Map()));
    const merged = new Map(await this.bundledSites());
    if (demoOn(env)) merged.set(DEMO_SITE, await this.demoSite(env));
    for (const [site, live] of published) merged.set(site, live);
    return merged;
  }

  async site(env: RulesEnv, site: string, now = Date.now()): Promise<LiveSite | undefined> {
    return (await this.sites(env, now)).get(site);
  }

  /** After a publish in this isolate: the next request checks D1 again, and serves it at once. */
  invalidate(): void {
    this.published.invalidate();
  }

  private async bundledSites(): Promise<Map<string, LiveSite>> {
    if (this.bundled) return this.bundled;
    const out = new Map<string, LiveSite>();
    for (const [site, rules] of bundledSites) {
      const { hash } = await documentOf(bundledFiles[site]);
      out.set(site, { site, version: 1, source: 'bundled', hash, rules });
    }
    this.bundled = out;
    return out;
  }

  /** The demo's site, compiled when first asked for (again after a failure to read it). */
  private async demoSite(env: RulesEnv): Promise<LiveSite> {
    if (this.demo) return this.demo;
    const file = await readDemoFile(env);
    const loaded = loadRules(file, `rules/${DEMO_SITE}.json`);
    if (!loaded.ok) throw new Error(`invalid rules:\n${loaded.problems.join('\n')}`);
    const { hash } = await documentOf(file);
    this.demo = { site: DEMO_SITE, version: 1, source: 'bundled', hash, rules: loaded.rules };
    return this.demo;
  }

  /** The published versions from D1; while D1 cannot answer, those this isolate had. */
  private async check(db: D1Database, now: number, had: Map<string, LiveSite>): Promise<Loaded<Map<string, LiveSite>>> {
    try {
      return { value: await withTimeout(this.read(db, had), READ_TIMEOUT_MS), until: now + FRESH_MS };
    } catch (error) {
      const versions = [...had.values()].map(({ site, version }) => `${site} v${version}`).join(', ') || 'none';
      console.warn(`rules: D1 unavailable, serving the versions this isolate has (published: ${versions}; else bundled):`, error);
      return { value: had, until: now + RETRY_AFTER_FAILURE_MS };
    }
  }

  /** The live version of every published site, loading only those that changed since the last check. */
  private async read(db: D1Database, published: Map<string, LiveSite>): Promise<Map<string, LiveSite>> {
    const next = new Map<string, LiveSite>();
    for (const [site, version] of await liveVersions(db)) {
      const had = published.get(site);
      if (had?.version === version) {
        next.set(site, had);
        continue;
      }
      const stored = await readVersion(db, site, version);
      const loaded = stored ? loadRules(JSON.parse(stored.json), `rules/${site}.json (version ${version})`) : null;
      if (stored && loaded?.ok) {
        next.set(site, { site, version, source: 'published', hash: stored.hash, rules: loaded.rules });
        continue;
      }
      // Validated when published; refused now only if a deploy changed what the loader accepts.
      console.error(
        `rules: version ${version} of ${site} does not load; serving the previous one`,
        loaded?.ok === false ? loaded.problems : '',
      );
      if (had) next.set(site, had);
    }
    return next;
  }
}

/** This isolate's rules. */
export const liveRules = new LiveRules();
