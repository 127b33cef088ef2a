// Holdouts: the assignment is a deterministic hash of (offer, visitor), the held-out share is what
// the rules say, a held-out visitor sees the runner-up (`next_best`, the default) or nothing
// (`empty`), and the lift measured between the two groups covers the true lift as often as its
// interval claims.
import { describe, expect, it } from 'vitest';
import { decide, newVisitor } from '../../../worker/engine';
import { assign } from '../../../worker/engine/experiments';
import { fnv1a32, seededRandom } from '../../../worker/engine/hash';
import { compile, offer, T0 } from '../helpers';

const vids = (n: number, prefix = 'visitor') => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

describe('holdout assignment', () => {
  const tested = compile({ offers: [offer('tested', { holdout: 0.1 })] }).offers.get('tested')!.source;

  it('is the same on every call for the same visitor', () => {
    for (const vid of vids(500)) expect(assign(tested, vid)).toEqual(assign(tested, vid));
  });

  it.each([
    [0.1, 20_000],
    [0.3, 20_000],
  ])('holds out a share of %f of %i visitors, within three standard errors', (share, n) => {
    const source = { ...tested, holdout: share };
    const held = vids(n).filter((vid) => assign(source, vid).holdout).length / n;
    expect(Math.abs(held - share)).toBeLessThan(3 * Math.sqrt((share * (1 - share)) / n));
  });
});

describe('holdout modes', () => {
  const rules = (mode: 'next_best' | 'empty') =>
    compile({
      offers: [offer('tested', { propensity: 0.1, holdout: 0.5, holdout_mode: mode }), offer('runner', { propensity: 0.05 })],
    });
  const heldOut = (mode: 'next_best' | 'empty') => {
    const compiled = rules(mode);
    const vid = vids(100).find((v) => assign(compiled.offers.get('tested')!.source, v).holdout)!;
    return decide(compiled, newVisitor(vid, T0), ['hero'], T0).offers;
  };

  it('next_best (the default): the held-out offer is recorded and the runner-up fills the slot', () => {
    const offers = heldOut('next_best');
    expect(offers.map(({ slot, offer, holdout }) => ({ slot, offer, holdout }))).toEqual([
      { slot: 'hero', offer: 'tested', holdout: true },
      { slot: 'hero', offer: 'runner', holdout: false },
    ]);
    expect(offers[0].banner).toBeUndefined();
    expect(offers[0].reasons.at(-1)).toMatch(/recorded, the next best shown instead$/);
    expect(offers[1].reasons).toContain('next best: tested is held out for this visitor');
    expect(compile({ offers: [offer('o')] }).offers.get('o')!.source.holdout_mode).toBe('next_best');
  });

  it('empty: the held-out offer is recorded and the slot stays empty', () => {
    const offers = heldOut('empty');
    expect(offers.map(({ offer, holdout }) => ({ offer, holdout }))).toEqual([{ offer: 'tested', holdout: true }]);
    expect(offers[0].reasons.at(-1)).toMatch(/recorded, not shown$/);
  });
});

describe('the lift between shown and held-out visitors', () => {
  // A known truth: shown, a visitor converts at 6 %; held out (the runner-up), at 4 %. 2,000
  // visitors a run, 10 % held out by the engine's own assignment; 300 seeded runs.
  const source = compile({ offers: [offer('tested', { holdout: 0.1 })] }).offers.get('tested')!.source;

  it('has a 95 % interval that covers the true lift in about 95 % of runs', () => {
    const runs = 300;
    let covered = 0;
    for (let run = 0; run < runs; run += 1) {
      const random = seededRandom(fnv1a32(`run-${run}`));
      const tally = { shown: 0, shownConverts: 0, held: 0, heldConverts: 0 };
      for (const vid of vids(2000, `run-${run}`)) {
        const { holdout } = assign(source, vid);
        const converted = random() < (holdout ? 0.04 : 0.06);
        if (holdout) [tally.held, tally.heldConverts] = [tally.held + 1, tally.heldConverts + (converted ? 1 : 0)];
        else [tally.shown, tally.shownConverts] = [tally.shown + 1, tally.shownConverts + (converted ? 1 : 0)];
      }
      const p1 = tally.shownConverts / tally.shown;
      const p0 = tally.heldConverts / tally.held;
      const se = Math.sqrt((p1 * (1 - p1)) / tally.shown + (p0 * (1 - p0)) / tally.held);
      if (Math.abs(p1 - p0 - 0.02) <= 1.96 * se) covered += 1;
    }
    // Three standard errors of a proportion near 0.95 over 300 runs: ±0.038.
    expect(covered / runs).toBeGreaterThan(0.91);
    expect(covered / runs).toBeLessThan(0.99);
  });
});
