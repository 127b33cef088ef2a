// The demo lender's rules (rules/demo.json) tell the story of the README: an application left at step 3, a visit
// back. The worker tests rely on it.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { applyEvent, decide, newVisitor, type VisitorState } from '../../../worker/engine';
import type { Event } from '../../../worker/schema/events';
import { DAY, demoRules, form, page, T0, track } from '../helpers';

const rules = demoRules;

describe('demo rules', () => {
  it('shows welcome-back on the second page view, nothing on the first', () => {
    const state = newVisitor('visitor-0001', T0);
    applyEvent(rules, state, page('https://demo.example/rates'), T0);
    expect(decide(rules, state, ['hero']).offers).toEqual([]);
    applyEvent(rules, state, page('https://demo.example/rates', T0 + 1000), T0 + 1000);
    const [offer] = decide(rules, state, ['hero']).offers;
    expect(offer).toMatchObject({
      slot: 'hero',
      offer: 'welcome-back',
      holdout: false,
      banner: { title: expect.stringMatching(/welcome back/i) },
    });
    expect(offer.variant).toBeUndefined();
    expect(state.counters.pages).toBe(2);
  });

  it('asks an abandoner to finish the application a week later', () => {
    const state = newVisitor('visitor-dana-7f3a', T0);
    const events: Event[] = [
      page('http://localhost:8787/demo/rates.html', T0),
      track('calculator_used', { loan_bucket: '300-400k' }, T0 + 60_000),
      form('start', 1, T0 + 120_000),
      form('step', 2, T0 + 180_000),
      form('step', 3, T0 + 240_000),
      form('abandon', 3, T0 + 300_000),
    ];
    for (const event of events) applyEvent(rules, state, event, event.ts, { consent: { ads: true } });
    applyEvent(rules, state, page('http://localhost:8787/demo/index.html', T0 + 7 * DAY), T0 + 7 * DAY);
    const decision = decide(rules, state, ['hero']);
    expect(decision).toMatchObject({ stage: 'applicant', audiences: { join: [{ id: 'mortgage_abandoners' }], leave: [] } });
    expect(decision.offers[0]).toMatchObject({ offer: 'finish-app', variant: 'b', holdout: false });
    expect(decision.offers[0].reasons).toContain('form mortgage-app abandoned at step 3');
    expect(state.stage_history.map((s) => s.stage)).toEqual(['anonymous', 'engaged', 'applicant']);
  });

  it('replays the example event file without surprises', () => {
    const lines = readFileSync('rules/examples/abandoned-application.jsonl', 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    let state: VisitorState | null = null;
    for (const { slots: _slots, context, vid, ...event } of lines) {
      state ??= newVisitor(vid, event.ts);
      applyEvent(rules, state, event as Event, event.ts, context);
    }
    expect(decide(rules, state!, ['hero'])).toMatchObject({ stage: 'customer', offers: [{ offer: 'card-cross-sell' }] });
  });

  it.each(['mortgage-app', 'refinance-app', 'heloc-app', 'card-app'])(
    'scores an application under way in %s alike, far above a reader of the rates page',
    (name) => {
      const apply = newVisitor(`visitor-${name}`, T0);
      const steps: Event[] = [form('start', 1, T0), form('step', 2, T0 + 60_000)].map((event) => ({
        ...(event as Extract<Event, { type: 'form' }>),
        form: name,
      }));
      for (const event of steps) applyEvent(rules, apply, event, event.ts);
      const reader = newVisitor('visitor-reader', T0);
      applyEvent(rules, reader, page('https://demo.example/rates', T0), T0);
      const decided = decide(rules, apply, [], T0 + 60_000);
      expect(decided.score.total).toBe(30);
      expect(decided.stage).toBe('applicant');
      expect(decide(rules, reader, [], T0).score.total).toBeLessThan(10);
    },
  );
});
