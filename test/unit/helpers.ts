// Builders shared by the unit tests: compiled rules from a partial file, and wire events.
import { loadRules, type CompiledRules } from '../../worker/engine';
import type { Event } from '../../worker/schema/events';
import type { RulesInput } from '../../rules/schema';
import demoFile from '../../rules/demo.json';

export const T0 = Date.UTC(2026, 10, 2, 12, 0, 0);
export const HOUR = 3_600_000;
export const DAY = 86_400_000;

function loaded(json: unknown, file: string): CompiledRules {
  const result = loadRules(json, file);
  if (!result.ok) throw new Error(result.problems.join('\n'));
  return result.rules;
}

export const compile = (rules: Partial<RulesInput>): CompiledRules =>
  loaded({ origins: ['https://acme.example'], ...rules }, 'rules/test.json');

/** The demo lender's rules, compiled as the worker serves them where the demo is on. */
export const demoRules = loaded(demoFile, 'rules/demo.json');

export function problems(rules: unknown): string[] {
  const result = loadRules(rules, 'rules/test.json');
  return result.ok ? [] : result.problems;
}

let counter = 0;
const id = () => `evt-${String((counter += 1)).padStart(6, '0')}`;

export const page = (url: string, ts = T0): Event => ({ id: id(), ts, type: 'page', url });
export const track = (name: string, props?: Record<string, string | number>, ts = T0): Event => ({
  id: id(),
  ts,
  type: 'track',
  name,
  ...(props ? { props } : {}),
});
export const form = (action: 'start' | 'step' | 'submit' | 'abandon', step?: number, ts = T0): Event => ({
  id: id(),
  ts,
  type: 'form',
  form: 'mortgage-app',
  action,
  ...(step ? { step, steps: 4 } : {}),
});
export const offerEvent = (
  offer: string,
  action: 'impression' | 'click' | 'dismiss' | 'convert',
  ts = T0,
  variant?: string,
): Event => ({
  id: id(),
  ts,
  type: 'offer',
  offer,
  action,
  ...(variant ? { variant } : {}),
});

export const banner = (title: string) => ({ title, placement: 'slot' as const });

export type OfferInput = NonNullable<RulesInput['offers']>[number];
/** An offer for the hero slot with a plain banner, plus whatever the test sets. */
export const offer = (id: string, extra: Partial<OfferInput> = {}): OfferInput => ({
  id,
  slots: ['hero'],
  banner: banner(id),
  ...extra,
});
