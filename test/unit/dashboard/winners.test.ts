// One line per slot: the winning arm, the holdout, or the visitors still needed.
import { describe, expect, it } from 'vitest';
import { slotSummaries, visitorsPerArm } from '../../../worker/dashboard/winners';
import { liftOverHoldout } from '../../../worker/analytics/intervals';
import { RulesFile, type RulesInput } from '../../../rules/schema';
import type { OfferArm, OfferStats } from '../../../worker/schema/stats';

const banner = { title: 'Hi', placement: 'slot' as const };
const rules = (offers: RulesInput['offers']) => RulesFile.parse({ origins: ['https://a.example'], offers });

function arm(id: string, exposed: number, goal: number, holdout?: { exposed: number; goal: number }): OfferArm {
  return {
    arm: id,
    impressions: exposed,
    clicks: 0,
    conversions: 0,
    ctr: null,
    cvr: null,
    exposed,
    goal_visitors: goal,
    goal_rate: exposed ? goal / exposed : null,
    lift: holdout ? liftOverHoldout(goal, exposed, holdout.goal, holdout.exposed) : null,
  };
}

function offer(id: string, arms: Array<[string, number, number]>, holdout: [number, number]): OfferStats {
  const h = { exposed: holdout[0], goal: holdout[1] };
  return {
    offer: id,
    arms: arms.map(([a, e, g]) => arm(a, e, g, h)),
    holdout: arm('holdout', h.exposed, h.goal),
    lift_against: 'next_best',
  };
}

describe('winner per slot', () => {
  it('sizes a test as the textbook formula does (95% two-sided, 80% power)', () => {
    // 10% against 15%: (1.96 + 0.84)² × (0.1·0.9 + 0.15·0.85) / 0.05², rounded up.
    const expected = Math.ceil(((1.959964 + 0.841621) ** 2 * (0.1 * 0.9 + 0.15 * 0.85)) / 0.05 ** 2);
    expect(visitorsPerArm(0.1, 0.05)).toBe(expected);
    expect(expected).toBe(683);
  });

  const twoSlots = rules([
    {
      id: 'finish',
      slots: ['hero'],
      holdout: 0.1,
      variants: [
        { id: 'a', weight: 0.45 },
        { id: 'b', weight: 0.45 },
      ],
      banner,
    },
    { id: 'calc', slots: ['sidebar'], banner },
  ]);

  it('names the arm with the largest lift whose interval is above zero', () => {
    const [hero, sidebar] = slotSummaries(twoSlots, [
      offer(
        'finish',
        [
          ['a', 1000, 150],
          ['b', 1000, 220],
        ],
        [1000, 100],
      ),
    ]);
    expect(hero).toMatchObject({ slot: 'hero', verdict: 'winner', offer: 'finish', arm: 'b', visitors_needed: 0 });
    expect(hero.lift!.difference).toBeCloseTo(0.12, 10);
    expect(sidebar).toMatchObject({ slot: 'sidebar', verdict: 'no_holdout', offer: null, visitors_needed: null });
  });

  it('says when the holdout beats every arm', () => {
    const [hero] = slotSummaries(twoSlots, [
      offer(
        'finish',
        [
          ['a', 1000, 50],
          ['b', 1000, 40],
        ],
        [1000, 120],
      ),
    ]);
    expect(hero).toMatchObject({ verdict: 'holdout_wins', arm: 'a' });
  });

  it('says how many more exposed visitors it takes while no interval excludes zero', () => {
    const [hero] = slotSummaries(twoSlots, [
      offer(
        'finish',
        [
          ['a', 100, 12],
          ['b', 100, 9],
        ],
        [50, 5],
      ),
    ]);
    // Arm a leads by 2 points over a 10% holdout: 10% against 12% needs n per side, less those exposed.
    const n = visitorsPerArm(0.1, 0.12 - 0.1);
    expect(hero).toMatchObject({ verdict: 'not_enough_data', arm: 'a' });
    expect(hero.visitors_needed).toBe(n - 100 + (n - 50));
  });

  it('sizes for 20% of an assumed 5% baseline before anyone was exposed', () => {
    const [hero] = slotSummaries(twoSlots, []);
    expect(hero).toMatchObject({ verdict: 'not_enough_data', offer: null });
    expect(hero.visitors_needed).toBe(2 * visitorsPerArm(0.05, 0.01));
  });
});
