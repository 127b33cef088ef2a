// Form step labels: the rules' when they name them, else what most of the range's events carried.
import { describe, expect, it } from 'vitest';
import { formsOf } from '../../../worker/dashboard/kpis';
import { dateTicks } from '../../../worker/dashboard/charts';

const groups = [{ form: 'mortgage-app', furthest: 4, submitted: 1, abandoned: 0, steps: 4, n: 10 }];
const label = (step: number, name: string, n: number, last = '2026-03-05') => ({ form: 'mortgage-app', step, name, n, last });

describe('form step labels', () => {
  it('take the label most events carried in the range, not the first one ever seen', () => {
    const labels = [label(1, 'about-you', 2, '2026-03-01'), label(1, 'property', 30), label(2, 'income', 25)];
    const [funnel] = formsOf(groups, labels);
    expect(funnel.steps.map((s) => s.name)).toEqual(['property', 'income', null, null]);
  });

  it('take the latest label on a tie', () => {
    const [funnel] = formsOf(groups, [label(1, 'old', 5, '2026-03-01'), label(1, 'new', 5, '2026-03-04')]);
    expect(funnel.steps[0].name).toBe('new');
  });

  it('take the rules’ labels over the pages’', () => {
    const [funnel] = formsOf(groups, [label(1, 'about-you', 50)], [{ id: 'mortgage-app', steps: ['property', 'income'] }]);
    expect(funnel.steps.map((s) => s.name)).toEqual(['property', 'income', null, null]);
  });
});

describe('date axes', () => {
  it('label evenly spaced days as people write them, the year where it starts or changes', () => {
    const days = Array.from({ length: 90 }, (_, i) =>
      new Date(Date.UTC(2025, 10, 15) + i * 86_400_000).toISOString().slice(0, 10),
    );
    const ticks = dateTicks(days);
    expect(ticks.length).toBe(7);
    expect(ticks[0]).toEqual({ index: 0, label: '15 Nov 2025' });
    expect(ticks.at(-1)).toEqual({ index: 89, label: '12 Feb' });
    expect(ticks.map((t) => t.label)).toContain('30 Dec');
    expect(ticks.find((t) => t.label.endsWith('2026'))).toBeDefined();
    expect(dateTicks(['2026-03-01'])).toEqual([{ index: 0, label: '1 Mar 2026' }]);
  });
});
