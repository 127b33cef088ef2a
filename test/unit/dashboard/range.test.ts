// Presets, defaults and the previous period, in the site's time zone.
import { describe, expect, it } from 'vitest';
import { RangeQuery, previousRange, resolveRange } from '../../../worker/dashboard/range';
import { dayEnd, dayStart, localDate } from '../../../worker/lib/zone';

// 2026-03-08 03:30 UTC: still 7 March in New York, already 8 March in UTC (and the day DST starts there).
const now = Date.parse('2026-03-08T03:30:00Z');

describe('ranges', () => {
  it.each([
    ['today', 'UTC', '2026-03-08', '2026-03-08'],
    ['today', 'America/New_York', '2026-03-07', '2026-03-07'],
    ['7d', 'America/New_York', '2026-03-01', '2026-03-07'],
    ['30d', 'UTC', '2026-02-07', '2026-03-08'],
    ['90d', 'UTC', '2025-12-09', '2026-03-08'],
  ] as const)('%s in %s is %s to %s', (period, zone, from, to) => {
    expect(resolveRange({ period }, zone, now)).toEqual({ from, to });
  });

  it('compares with as many days just before', () => {
    expect(previousRange({ from: '2026-03-01', to: '2026-03-07' })).toEqual({ from: '2026-02-22', to: '2026-02-28' });
    expect(previousRange({ from: '2026-03-08', to: '2026-03-08' })).toEqual({ from: '2026-03-07', to: '2026-03-07' });
  });

  it('refuses a period with dates, and reads filters', () => {
    expect(RangeQuery.safeParse({ period: '7d', from: '2026-03-01' }).success).toBe(false);
    expect(RangeQuery.safeParse({ period: '14d' }).success).toBe(false);
    expect(RangeQuery.parse({ period: '7d', source: 'google', device: 'mobile', compare: 'previous' })).toMatchObject({
      range: { period: '7d' },
      filters: { source: 'google', device: 'mobile' },
      compare: true,
    });
    expect(RangeQuery.safeParse({ device: 'phone' }).success).toBe(false);
  });

  it('starts and ends days at the zone’s midnight, across a DST change', () => {
    expect(new Date(dayStart('2026-03-08', 'America/New_York')).toISOString()).toBe('2026-03-08T05:00:00.000Z');
    // 8 March has 23 hours in New York: the clocks go forward at 2:00.
    expect(new Date(dayEnd('2026-03-08', 'America/New_York')).toISOString()).toBe('2026-03-09T04:00:00.000Z');
    expect(localDate(Date.parse('2026-03-09T03:59:59Z'), 'America/New_York')).toBe('2026-03-08');
    expect(localDate(Date.parse('2026-03-09T04:00:00Z'), 'America/New_York')).toBe('2026-03-09');
    expect(dayStart('2026-03-08')).toBe(Date.parse('2026-03-08T00:00:00Z'));
  });
});
