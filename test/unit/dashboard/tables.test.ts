// Every table of the page as CSV: raw values, quoted where needed, no formulas for a spreadsheet to run.
import { describe, expect, it } from 'vitest';
import { tablesOf, toCsv } from '../../../worker/dashboard/tables';

describe('tables as CSV', () => {
  it('writes raw values with a header, quoting commas and quotes, and defusing formulas', () => {
    const [daily, top] = tablesOf({
      site: 'demo',
      from: '2026-03-01',
      to: '2026-03-01',
      traffic: {
        visitors: 3,
        unique_visitors: 3,
        page_views: 5,
        sessions: 3,
        bounced_sessions: 1,
        bounce_rate: 1 / 3,
        bot_batches: 0,
        daily: [{ day: '2026-03-01', visitors: 3, page_views: 5, sessions: 3 }],
        top_pages: [
          { path: '/a,"b"', views: 3 },
          { path: '=HYPERLINK("x")', views: 2 },
        ],
      },
    });
    expect(toCsv(daily)).toBe('day,visitors,page views,sessions\r\n2026-03-01,3,5,3\r\n');
    expect(toCsv(top)).toBe('page,views\r\n"/a,""b""",3\r\n"\'=HYPERLINK(""x"")",2\r\n');
  });
});
