// The demo lender site (rules/demo.json as site "demo", dist/demo/ as /demo/, where the build also
// puts those rules) is for trying Nextbest out: served only where NB_DEMO is "on" (`npm run dev` and
// the tests set it), so a deploy neither shows it nor takes events for its rules, which allow
// localhost origins. The rules CLI reads the demo's id here too, in Node: nothing of the worker's
// environment types is imported.

export const DEMO_SITE = 'demo';

export function demoOn(env: { NB_DEMO: string }): boolean {
  return env.NB_DEMO === 'on';
}
