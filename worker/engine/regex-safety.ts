// Rejects regexes that can backtrack catastrophically: a quantified group that itself contains a
// quantifier, like (a+)+ or (\w*,?)*. Rules run on every event at the edge, so a slow regex is an
// outage; this conservative check refuses some safe patterns rather than admit a dangerous one.

/** Returns why `pattern` is unsafe, or null. */
export function unsafeRegex(pattern: string): string | null {
  if (pattern.length > 500) return 'regex longer than 500 characters';
  const groups: boolean[] = []; // per open group: does it contain a quantifier?
  let inClass = false;
  for (let i = 0; i < pattern.length; i += 1) {
    const char = pattern[i];
    if (char === '\\') {
      i += 1; // an escaped character is a literal (or a class like \d): never a quantifier
      continue;
    }
    if (inClass) {
      inClass = char !== ']';
      continue;
    }
    if (char === '[') inClass = true;
    else if (char === '(') groups.push(false);
    else if (char === ')') {
      const quantifiedInside = groups.pop() ?? false;
      const next = pattern[i + 1];
      const repeated = next === '*' || next === '+' || (next === '{' && /^\{\d*,/.test(pattern.slice(i + 1)));
      if (quantifiedInside && repeated) return 'nested quantifiers can backtrack catastrophically';
      if (quantifiedInside || repeated) markQuantified(groups);
    } else if (char === '*' || char === '+' || char === '{') markQuantified(groups);
    else if (char === '?' && pattern[i - 1] !== '(') markQuantified(groups); // not the "(?:" syntax
  }
  return null;
}

function markQuantified(groups: boolean[]): void {
  if (groups.length) groups[groups.length - 1] = true;
}
