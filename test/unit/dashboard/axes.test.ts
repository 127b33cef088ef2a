// Chart axes: dates as people read them.
import { describe, expect, it } from 'vitest';
import { dateTicks } from '../../../worker/dashboard/charts';

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
