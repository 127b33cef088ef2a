// The demo lender site (rules/demo.json as site "demo", dist/demo/ as /demo/) is for trying Nextbest
// out: served only where NB_DEMO is "on" (`npm run dev` and the tests set it), so a deploy neither
// shows it nor takes events for its rules, which allow localhost origins.
import type { Env } from '../env';

export const DEMO_SITE = 'demo';

export function demoOn(env: Pick<Env, 'NB_DEMO'>): boolean {
  return env.NB_DEMO === 'on';
}
