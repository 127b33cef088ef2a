// Top pages group paths into pages: index files, extensions, trailing slashes and the rules' aliases.
import { describe, expect, it } from 'vitest';
import { normalisePath, pageOf } from '../../../worker/dashboard/paths';
import { trafficOf } from '../../../worker/dashboard/kpis';

describe('page paths', () => {
  it.each([
    ['/demo/', '/demo'],
    ['/demo/index.html', '/demo'],
    ['/demo', '/demo'],
    ['/demo/apply', '/demo/apply'],
    ['/demo/apply.html', '/demo/apply'],
    ['/demo/apply.HTM', '/demo/apply'],
    ['/', '/'],
    ['/index.php', '/'],
    ['//rates//', '/rates'],
    ['/loans/default.aspx', '/loans'],
    ['/files/report.pdf', '/files/report.pdf'],
  ])('%s is the page %s', (path, page) => {
    expect(normalisePath(path)).toBe(page);
  });

  it('maps aliases given in either spelling', () => {
    const page = pageOf({ '/apply-now.html': '/demo/apply/' });
    expect(page('/apply-now')).toBe('/demo/apply');
    expect(page('/apply-now/')).toBe('/demo/apply');
    expect(page('/rates')).toBe('/rates');
  });

  it('makes the four spellings of the demo pages two rows of top pages', () => {
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
