// The differences between two JSON documents as `path: before → after` lines, for `rules diff`:
// objects key by key, arrays item by item (an item's `id` names it when both sides have one).

const show = (value: unknown) => (value === undefined ? '(absent)' : JSON.stringify(value));
const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export function jsonDifferences(before: unknown, after: unknown, path = ''): string[] {
  if (Array.isArray(before) && Array.isArray(after)) {
    const out: string[] = [];
    for (let i = 0; i < Math.max(before.length, after.length); i++) {
      const id = isObject(after[i]) ? after[i].id : isObject(before[i]) ? before[i].id : undefined;
      out.push(...jsonDifferences(before[i], after[i], `${path}[${i}]${typeof id === 'string' ? `(${id})` : ''}`));
    }
    return out;
  }
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
    return keys.flatMap((key) => jsonDifferences(before[key], after[key], path ? `${path}.${key}` : key));
  }
  return JSON.stringify(before) === JSON.stringify(after) ? [] : [`${path || '(root)'}: ${show(before)} → ${show(after)}`];
}
