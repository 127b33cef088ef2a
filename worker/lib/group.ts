// Grouping into a Map of lists without copying a list per item. (Map.groupBy needs Node 21; the
// rules CLI runs on Node 20.)

/** Appends an item to its key's list, creating the list on first use. */
export function pushTo<K, T>(groups: Map<K, T[]>, key: K, item: T): void {
  const group = groups.get(key);
  if (group) group.push(item);
  else groups.set(key, [item]);
}

/** Groups items by a key in one pass, keeping their order within each group. */
export function groupBy<T, K>(items: Iterable<T>, keyOf: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) pushTo(groups, keyOf(item), item);
  return groups;
}
