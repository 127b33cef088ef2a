// Rejects regexes that can backtrack catastrophically. Rules run on every event at the edge, on
// URLs of up to 2 KB, so a slow regex is an outage; this conservative check refuses some safe
// patterns rather than admit a dangerous one. Three shapes are refused:
// - a repeated group that holds an unbounded quantifier: (a+)+, (\w*,?)*, (a+){10}, (.*a){20};
// - a group of alternatives or optional parts repeated without bound or more than a few times:
//   (a|ab)*, (\w|\d)+, (a|aa){25} (each pass picks a branch: 2^25 ways to fail);
// - two or more unbounded repeats that can match the same character, with no character between
//   them that must be there and none of them can match: .*.*=, .*a.*=, .+x.+y (a failed match
//   retries every way to split the text between them, from every place it can start: n³ steps,
//   seconds on a 2 KB URL). A pattern (or top-level alternative) anchored by a leading ^ starts in
//   one place, so there it takes three: ^/blog/.+/comments/\d+$ is n², like any lone repeat.
//   A repeat followed only by optional parts never gives characters back (the rest matches
//   whatever it leaves), so it does not count: .*foo.* and [a-z]+(\.[a-z]+)? are fine.

/** How often a group with alternatives or optional parts may repeat: (a|b){3} is fine. */
const MAX_CHOICE_REPEATS = 4;
/**
 * Unbounded repeats of one character allowed between pins: a failed search tries each of n starts
 * and n ways to end each repeat, so one costs n², two n³ (seconds on 2 KB). Anchored by ^, one
 * start: two cost n².
 */
const MAX_OVERLAPPING_REPEATS = 1;
const MAX_OVERLAPPING_REPEATS_ANCHORED = 2;

interface Group {
  /** Where it opens in the pattern. */
  start: number;
  /** Holds a quantifier with no upper bound (*, +, {n,}). */
  unbounded: boolean;
  /** Holds a quantifier whose count varies (?, {2,5}, *): one more way to split the text. */
  varies: boolean;
  alternatives: boolean;
  /** Holds a repeated group of alternatives or optional parts: repeating it again multiplies. */
  repeatedChoices: boolean;
  /** The characters its atoms can match. */
  chars: CharSet;
}

interface Quantifier {
  min: number;
  max: number;
  /** Where the quantifier (with its lazy "?") ends. */
  end: number;
}

/** Returns why `pattern` is unsafe, or null. `flags` are the regex's own (imsu). */
export function unsafeRegex(pattern: string, flags = ''): string | null {
  if (pattern.length > 500) return 'regex longer than 500 characters';
  const groups: Group[] = [newGroup(0)];
  /** The unbounded repeats since the last character that pins them (see below). */
  let run: Repeat[] = [];
  // With "m", ^ matches after every line break: as many starts as no anchor.
  const anchoredAt = (at: number) => pattern[at] === '^' && !flags.includes('m');
  let limit = anchoredAt(0) ? MAX_OVERLAPPING_REPEATS_ANCHORED : MAX_OVERLAPPING_REPEATS;
  for (let i = 0; i < pattern.length;) {
    const char = pattern[i];
    const start = i;
    const group = groups[groups.length - 1];
    let chars: CharSet;
    let inner: Group | undefined;
    if (char === '(') {
      groups.push(newGroup(i));
      // "(?:", "(?=", "(?<name>": the "?" is syntax, not a quantifier; the rest reads as literals.
      i += pattern[i + 1] === '?' ? 2 : 1;
      continue;
    } else if (char === '|') {
      group.alternatives = true;
      i += 1;
      // Top-level alternatives are tried one after another: their costs add, so each has its own run.
      if (groups.length === 1) {
        const unsafe = overlapping(backtracking(run), limit);
        if (unsafe) return unsafe;
        run = [];
        limit = anchoredAt(i) ? MAX_OVERLAPPING_REPEATS_ANCHORED : MAX_OVERLAPPING_REPEATS;
      }
      continue;
    } else if (char === '^' || char === '$') {
      // An assertion can fail: a repeat before it may have to give characters back.
      block(run, groups.length);
      i += 1;
      continue;
    } else if (char === ')' && groups.length > 1) {
      inner = groups.pop()!;
      chars = inner.chars;
      i += 1;
    } else {
      const source = atomAt(pattern, i);
      chars = charsOf(source, flags);
      i += source.length;
    }
    const outer = groups[groups.length - 1];
    outer.chars |= chars;
    if (inner) {
      outer.unbounded ||= inner.unbounded;
      outer.varies ||= inner.varies;
      outer.repeatedChoices ||= inner.repeatedChoices;
    }
    const quantifier = quantifierAt(pattern, i);
    if (quantifier) i = quantifier.end;
    const required = !quantifier || quantifier.min > 0;
    if (!inner) {
      if (required) block(run, groups.length);
    } else {
      // What a group required, its level requires if the group is, and nothing if it may be skipped.
      for (const repeat of run) {
        if (repeat.blockedAt === groups.length + 1) repeat.blockedAt = required ? groups.length : Infinity;
      }
    }
    // A character that every repeat so far cannot match, and that must be there, pins the split:
    // \d+\.\d+\.\d+ and [^/]+/[^/]+/[^/]+ are safe. Only outside groups, where nothing makes it optional.
    if (!inner && groups.length === 1 && required && pins(run, chars)) {
      const unsafe = overlapping(run, limit);
      if (unsafe) return unsafe;
      run = [];
    }
    if (!quantifier) continue;
    if (inner) {
      const unsafe = unsafeRepeat(inner, quantifier.max);
      if (unsafe) return unsafe;
      if (quantifier.max > 1 && (inner.alternatives || inner.varies)) outer.repeatedChoices = true;
    }
    outer.varies ||= quantifier.min < quantifier.max;
    if (quantifier.max === Infinity) {
      outer.unbounded = true;
      run.push({ atom: pattern.slice(inner?.start ?? start, i), chars, blockedAt: Infinity });
    }
  }
  return overlapping(backtracking(run), limit);
}

/** Something that must match follows, at group depth `depth`, every repeat in `run`. */
function block(run: Repeat[], depth: number): void {
  for (const repeat of run) repeat.blockedAt = Math.min(repeat.blockedAt, depth);
}

/**
 * The repeats in `run` that a failure after them can make give characters back, at the end of the
 * pattern or of a top-level alternative: those followed by something that must match. The others
 * are followed only by optional parts, which match whatever they leave.
 */
function backtracking(run: Repeat[]): Repeat[] {
  return run.filter((repeat) => repeat.blockedAt !== Infinity);
}

/** Why repeating `group` up to `max` times is unsafe, or null. */
function unsafeRepeat(group: Group, max: number): string | null {
  if (max <= 1) return null;
  if (group.unbounded || group.repeatedChoices || (max === Infinity && group.varies)) {
    return 'nested quantifiers can backtrack catastrophically';
  }
  if (group.alternatives && max === Infinity) return 'a repeated group of alternatives can backtrack catastrophically';
  if ((group.alternatives || group.varies) && max > MAX_CHOICE_REPEATS) {
    return `a group of alternatives or optional parts repeated more than ${MAX_CHOICE_REPEATS} times can backtrack catastrophically`;
  }
  return null;
}

function newGroup(start: number): Group {
  return { start, unbounded: false, varies: false, alternatives: false, repeatedChoices: false, chars: EMPTY };
}

/** The atom at `at`: an escape, a character class or one character. */
function atomAt(pattern: string, at: number): string {
  if (pattern[at] === '\\') {
    ESCAPE.lastIndex = at;
    return ESCAPE.exec(pattern)?.[0] ?? '\\';
  }
  if (pattern[at] !== '[') return pattern[at];
  // A class ends at the first "]" that is not escaped and not its first member.
  let end = at + 1;
  if (pattern[end] === '^') end += 1;
  if (pattern[end] === ']') end += 1;
  while (end < pattern.length && pattern[end] !== ']') end += pattern[end] === '\\' ? 2 : 1;
  return pattern.slice(at, end + 1);
}

const ESCAPE = /\\(?:u\{[0-9a-fA-F]+\}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|c[A-Za-z]|[pPk](?:\{[^}]*\}|<[^>]*>)|\d+|[\s\S])/y;
const QUANTIFIER = /(?:([*+?])|\{(\d+)(,(\d*))?\})\??/y;

/** The quantifier at `at`, if any: *, +, ?, {n}, {n,}, {n,m}, each maybe lazy. */
function quantifierAt(pattern: string, at: number): Quantifier | null {
  QUANTIFIER.lastIndex = at;
  const match = QUANTIFIER.exec(pattern);
  if (!match) return null;
  const [text, symbol, min, comma, max] = match;
  const end = at + text.length;
  if (symbol) return { min: symbol === '+' ? 1 : 0, max: symbol === '?' ? 1 : Infinity, end };
  return { min: Number(min), max: comma === undefined ? Number(min) : max ? Number(max) : Infinity, end };
}

interface Repeat {
  atom: string;
  chars: CharSet;
  /**
   * The outermost group depth (1: not in a group) of something that must match after it, as far as
   * read; Infinity if nothing must.
   */
  blockedAt: number;
}

function pins(run: Repeat[], chars: CharSet): boolean {
  return chars !== EMPTY && run.every((repeat) => (repeat.chars & chars) === EMPTY);
}

function overlapping(repeats: Repeat[], limit: number): string | null {
  if (repeats.length <= limit) return null;
  // Name the most repeats that share a character.
  let sharing: Repeat[] = [];
  for (let probe = 0n; probe <= BigInt(PROBES.length); probe += 1n) {
    const these = repeats.filter((repeat) => (repeat.chars >> probe) & 1n);
    if (these.length > sharing.length) sharing = these;
  }
  if (sharing.length <= limit) return null;
  const atoms = sharing.map((repeat) => repeat.atom).join(', ');
  return `${sharing.length} unbounded repeats (${atoms}) can match the same characters: a failed match tries every way to split the text between them`;
}

/**
 * Which characters an atom can match, as one bit per probe: every ASCII character, then one bit
 * standing for all others. Found by testing the atom itself, case-insensitively and with "s" (as
 * that only widens it), so classes, escapes and flags need no parser of their own.
 */
type CharSet = bigint;
const PROBES = Array.from({ length: 128 }, (_, code) => String.fromCharCode(code));
const OTHERS = ['\u00a0', '\u00e9', '\u2028', '\u4e2d', '\ufffd'];
const EMPTY: CharSet = 0n;
const ALL: CharSet = (1n << BigInt(PROBES.length + 1)) - 1n;
const charSets = new Map<string, CharSet>();

function charsOf(atom: string, flags: string): CharSet {
  const key = `${flags.includes('u') ? 'u' : ''}/${atom}`;
  let chars = charSets.get(key);
  if (chars) return chars;
  // A back-reference matches what its group did: it could be anything.
  if (/^\\(?:[1-9]|k)/.test(atom)) return ALL;
  let regex: RegExp;
  try {
    regex = new RegExp(`^(?:${atom})$`, flags.includes('u') ? 'isu' : 'is');
  } catch {
    // Not valid on its own (a back-reference, say): assume the worst.
    return ALL;
  }
  // Escapes can name characters beyond the probes (\u0100, \p{L}): they count as "others".
  const beyond = /[^\x00-\x7f]|\\[uxpP]/.test(atom) || OTHERS.some((other) => regex.test(other));
  chars = beyond ? 1n << BigInt(PROBES.length) : EMPTY;
  for (const [bit, probe] of PROBES.entries()) if (regex.test(probe)) chars |= 1n << BigInt(bit);
  if (charSets.size >= 1000) charSets.clear();
  charSets.set(key, chars);
  return chars;
}
