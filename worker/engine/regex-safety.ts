// Rejects regexes that can backtrack catastrophically: a repeated group that itself contains a
// quantifier, like (a+)+ or (\w*,?)*, or alternatives, like (a|a)* or (\w|\d)+. Rules run on every
// event at the edge, so a slow regex is an outage; this conservative check refuses some safe
// patterns rather than admit a dangerous one.

interface Group {
  quantified: boolean;
  alternatives: boolean;
}

/** Returns why `pattern` is unsafe, or null. */
export function unsafeRegex(pattern: string): string | null {
  if (pattern.length > 500) return 'regex longer than 500 characters';
  const groups: Group[] = [];
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
    else if (char === '(') groups.push({ quantified: false, alternatives: false });
    else if (char === '|') {
      if (groups.length) groups[groups.length - 1].alternatives = true;
    } else if (char === ')') {
      const inner = groups.pop() ?? { quantified: false, alternatives: false };
      const repeated = repeats(pattern, i + 1);
      if (repeated && inner.quantified) return 'nested quantifiers can backtrack catastrophically';
      // (a|ab)+ can split the same text in exponentially many ways; (a|b)? cannot repeat.
      if (repeated && inner.alternatives) return 'a repeated group of alternatives can backtrack catastrophically';
      if (inner.quantified || repeated) markQuantified(groups);
    } else if (char === '*' || char === '+' || char === '{') markQuantified(groups);
    else if (char === '?' && pattern[i - 1] !== '(') markQuantified(groups); // not the "(?:" syntax
  }
  return null;
}

/** Whether the quantifier at `at` lets the preceding atom repeat without bound (*, +, {n,}). */
function repeats(pattern: string, at: number): boolean {
  const next = pattern[at];
  return next === '*' || next === '+' || (next === '{' && /^\{\d*,/.test(pattern.slice(at)));
}

function markQuantified(groups: Group[]): void {
  if (groups.length) groups[groups.length - 1].quantified = true;
}
