// Top pages group paths into pages: index files, extensions, trailing slashes and the rules' aliases.
import { describe, expect, it } from 'vitest';
import { normalisePath, pageOf } from '../../../worker/dashboard/paths';

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
});
