// The dashboard's shaping of rollup rows (pure, but beside the D1 code it shapes for): pages grouped
// by path, and form step labels from the rules or from what most of the range's events carried.
import { describe, expect, it } from 'vitest';
import { formsOf, trafficOf } from '../../worker/dashboard/kpis';
import { pageOf } from '../../worker/dashboard/paths';

const groups = [{ form: 'mortgage-app', furthest: 4, submitted: 1, abandoned: 0, steps: 4, n: 10 }];
const label = (step: number, name: string, n: number, last = '2026-03-05') => ({ form: 'mortgage-app', step, name, n, last });

describe('top pages', () => {
  it('makes the four spellings of the demo pages two rows', () => {
    const rows = ['/demo/', '/demo/index.html', '/demo/apply', '/demo/apply.html'].map((dim, i) => ({
      day: '2026-03-01',
      dim,
      n: i + 1,
    }));
    const traffic = trafficOf({ from: '2026-03-01', to: '2026-03-01' }, [], 0, [], rows, { bots: 0, pageOf: pageOf() });
    expect(traffic.top_pages).toEqual([
      { path: '/demo/apply', views: 7 },
      { path: '/demo', views: 3 },
    ]);
  });
});

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
