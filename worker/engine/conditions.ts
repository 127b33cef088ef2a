// Compiles a MongoDB-style condition (the query language of GrowthBook's targeting) into a
// predicate, once per rules load: paths are split, regexes built and operators resolved here, so
// evaluating a rule per event is only closure calls, and a path that many rules read is read once
// per context (PathSlots). Where GrowthBook's SDKs and MongoDB disagree, GrowthBook wins, so that
// targeting copied from it means the same here: a missing path reads as null, comparisons convert
// numeric strings, and plain equality matches 34 with "34". Unknown operators, malformed arguments
// and regexes that are invalid or unsafe are rules errors (GrowthBook would match nothing).
import { unsafeRegex } from './regex-safety';

export type Predicate = (context: unknown) => boolean;
type ValueTest = (value: unknown) => boolean;

/** The operators of a field condition; `$options` only stands beside `$regex`. */
export const OPERATORS = [
  '$eq',
  '$ne',
  '$in',
  '$nin',
  '$ini',
  '$nini',
  '$gt',
  '$gte',
  '$lt',
  '$lte',
  '$veq',
  '$vne',
  '$vgt',
  '$vgte',
  '$vlt',
  '$vlte',
  '$regex',
  '$regexi',
  '$exists',
  '$type',
  '$size',
  '$all',
  '$alli',
  '$elemMatch',
  '$not',
] as const;
export type Operator = (typeof OPERATORS)[number];
/** The operators that combine whole conditions. */
export const LOGICAL_OPERATORS = ['$and', '$or', '$nor', '$not'] as const;
const isOperator = (name: string): name is Operator => (OPERATORS as readonly string[]).includes(name);

/** A problem in a condition, with the path inside it (e.g. `counters.pages.$gtt`). */
export class ConditionError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

export const TYPES = ['string', 'number', 'boolean', 'array', 'object', 'null'] as const;

/**
 * The paths that the conditions of one rules file read, numbered. Rules read the same few paths over
 * and over (score.total, request.path, forms.<id>.submitted…): a context that carries `[READS]`,
 * one slot per path, reads each path once and answers later conditions from the slot. Whoever
 * changes such a context clears its reads (see `update` in context.ts).
 */
export class PathSlots {
  private readonly ids = new Map<string, number>();
  private readonly roots = new Map<string, number[]>();
  slot(path: string): number {
    let id = this.ids.get(path);
    if (id === undefined) {
      this.ids.set(path, (id = this.ids.size));
      const root = path.split('.', 1)[0];
      this.roots.set(root, [...this.under(root), id]);
    }
    return id;
  }
  /** The slots of the paths that start at `root` (the first key): what changing it makes stale. */
  under(root: string): readonly number[] {
    return this.roots.get(root) ?? [];
  }
  get size(): number {
    return this.ids.size;
  }
  /** Whether a condition reads `path`: the value itself, one inside it, or an object that holds it. */
  reads(path: string): boolean {
    for (const read of this.ids.keys())
      if (read === path || read.startsWith(path + '.') || path.startsWith(read + '.')) return true;
    return false;
  }
}

/** Where a context keeps the values read so far: a symbol, so no condition can name it. */
export const READS = Symbol('reads');
export type Reads = (unknown | undefined)[];
/** A slot read and found missing (an empty slot is undefined). */
const MISSING = Symbol('missing');

/**
 * How deeply a condition may nest objects and arrays. Compiling recurses once per level, so a file
 * with a $not chain thousands deep would overflow the stack; no condition a person writes needs 32.
 */
export const MAX_CONDITION_DEPTH = 32;

/** Compiles `condition`; throws ConditionError naming the first problem. */
export function compileCondition(condition: unknown, at = '', paths?: PathSlots): Predicate {
  const deep = tooDeep(condition, at);
  if (deep !== null) throw new ConditionError(deep, `nested more than ${MAX_CONDITION_DEPTH} levels deep`);
  return compileQuery(condition, at, paths);
}

/** The path where `value` nests past MAX_CONDITION_DEPTH, or null. A loop, as recursion is what it guards. */
function tooDeep(value: unknown, at: string): string | null {
  const stack: Array<[value: unknown, at: string, depth: number]> = [[value, at, 1]];
  for (let next = stack.pop(); next; next = stack.pop()) {
    const [item, path, depth] = next;
    if (item === null || typeof item !== 'object') continue;
    if (depth > MAX_CONDITION_DEPTH) return path;
    if (Array.isArray(item)) item.forEach((element, i) => stack.push([element, `${path}[${i}]`, depth + 1]));
    else for (const [key, child] of Object.entries(item)) stack.push([child, join(path, key), depth + 1]);
  }
  return null;
}

function compileQuery(condition: unknown, at: string, paths: PathSlots | undefined): Predicate {
  if (!isPlainObject(condition)) throw new ConditionError(at, 'expected an object of conditions');
  const parts = Object.entries(condition).map(([key, value]) => compileEntry(key, value, join(at, key), paths));
  return allOf(parts);
}

/** Conjunction; the common short ones unrolled, as this is the innermost loop of every rule. */
function allOf(parts: Predicate[]): Predicate {
  const [a, b, c] = parts;
  switch (parts.length) {
    case 0:
      return () => true;
    case 1:
      return a;
    case 2:
      return (context) => a(context) && b(context);
    case 3:
      return (context) => a(context) && b(context) && c(context);
    default:
      return (context) => parts.every((part) => part(context));
  }
}

function compileEntry(key: string, value: unknown, at: string, paths: PathSlots | undefined): Predicate {
  if (key === '$and' || key === '$or' || key === '$nor') {
    if (!Array.isArray(value)) throw new ConditionError(at, `${key} expects an array of conditions`);
    const parts = value.map((item, index) => compileQuery(item, `${at}[${index}]`, paths));
    // An empty $or matches, as in GrowthBook: "no alternatives given" restricts nothing.
    if (key === '$and') return allOf(parts);
    if (key === '$or') return (context) => parts.length === 0 || parts.some((part) => part(context));
    return (context) => !parts.some((part) => part(context));
  }
  if (key === '$not') {
    const inner = compileQuery(value, at, paths);
    return (context) => !inner(context);
  }
  if (key.startsWith('$')) throw new ConditionError(at, `unknown operator "${key}"${didYouMean(key, LOGICAL_OPERATORS)}`);
  const test = compileValue(value, at);
  const { keys, index, inherited, plain } = compilePath(key);
  const read = plain
    ? (context: unknown) => readPlain(context, keys, 0)
    : (context: unknown) => readPath(context, keys, index, inherited, 0);
  if (!paths) return (context) => test(read(context));
  const slot = paths.slot(key);
  return (context) => {
    const reads = context !== null && typeof context === 'object' ? (context as { [READS]?: Reads })[READS] : undefined;
    if (reads === undefined) return test(read(context));
    let value = reads[slot];
    if (value === undefined) reads[slot] = (value = read(context)) === undefined ? MISSING : value;
    return test(value === MISSING ? undefined : value);
  };
}

/** A condition on one value: implicit equality, or an object of operators. */
export function compileValue(expected: unknown, at: string): ValueTest {
  if (!isOperatorObject(expected, at)) return anyElement(equals(expected, true), expected);
  if ('$options' in expected && !('$regex' in expected))
    throw new ConditionError(join(at, '$options'), '$options needs a $regex');
  const tests = Object.entries(expected)
    .filter(([operator]) => operator !== '$options')
    .map(([operator, argument]) => {
      if (!isOperator(operator))
        throw new ConditionError(join(at, operator), `unknown operator "${operator}"${didYouMean(operator, OPERATORS)}`);
      return compileOperator(operator, argument, expected, join(at, operator));
    });
  return tests.length === 1 ? tests[0] : (value) => tests.every((test) => test(value));
}

function compileOperator(operator: Operator, argument: unknown, siblings: Record<string, unknown>, at: string): ValueTest {
  switch (operator) {
    case '$eq':
      return anyElement(equals(argument, false), argument);
    case '$ne': {
      const eq = anyElement(equals(argument, false), argument);
      return (value) => !eq(value);
    }
    case '$in':
    case '$ini':
      return anyElement(member(argument, at, operator === '$ini'), listsIn(argument));
    case '$nin':
    case '$nini': {
      const inn = anyElement(member(argument, at, operator === '$nini'), listsIn(argument));
      return (value) => !inn(value);
    }
    case '$gt':
    case '$gte':
    case '$lt':
    case '$lte':
      return anyElement(compare(operator, argument, at));
    case '$veq':
    case '$vne':
    case '$vgt':
    case '$vgte':
    case '$vlt':
    case '$vlte':
      return anyElement(compareVersions(operator, argument, at));
    case '$regex':
      return anyElement(regex(argument, siblings.$options, at));
    case '$regexi':
      return anyElement(regex(argument, 'i', at));
    case '$exists':
      return exists(argument, at);
    case '$type':
      return type(argument, at);
    case '$size':
      return size(argument, at);
    case '$all':
    case '$alli':
      return all(argument, at, operator === '$alli');
    case '$elemMatch':
      return elemMatch(argument, at);
    case '$not': {
      const inner = compileValue(argument, at);
      return (value) => !inner(value);
    }
  }
}

/** Mongo semantics: a test on an array field passes if the array itself or any element passes. */
function anyElement(test: ValueTest, expected?: unknown): ValueTest {
  const wholeArray = Array.isArray(expected);
  return (value) => {
    if (!Array.isArray(value)) return test(value);
    if (wholeArray && test(value)) return true;
    for (const element of value) if (test(element)) return true;
    return false;
  };
}

/**
 * Equality, where a missing value equals null (GrowthBook reads a missing path as null). `loose` is
 * plain `{"path": value}` equality, which in GrowthBook also matches a number with the string that
 * spells it (34 and "34"); `$eq`, `$ne` and `$in` are strict, as there.
 */
function equals(expected: unknown, loose: boolean): ValueTest {
  if (expected === null) return (value) => value === null || value === undefined;
  if (typeof expected === 'object') return (value) => deepEqual(value, expected);
  if (loose && typeof expected === 'number') return (value) => value === expected || spelled(value) === expected;
  if (loose && typeof expected === 'string' && !Number.isNaN(spelled(expected)))
    return (value) => value === expected || (typeof value === 'number' && String(value) === expected);
  return (value) => value === expected;
}

/** The number a string spells ("34", " 2.5", "1e3"), else NaN; a blank string spells none. */
function spelled(value: unknown): number {
  return typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
}

/** A list that holds arrays, so a whole array can match too ({tags: {$in: [["a", "b"]]}}, as in Mongo). */
function listsIn(list: unknown): unknown[] | undefined {
  return Array.isArray(list) && list.some(Array.isArray) ? list : undefined;
}

/** `$in`: the value is one of `list`; with `fold`, strings compare case-insensitively. Missing is null. */
function member(list: unknown, at: string, fold: boolean): ValueTest {
  if (!Array.isArray(list)) throw new ConditionError(at, 'expected an array');
  const key = (value: unknown) => (value === undefined ? null : fold && typeof value === 'string' ? value.toLowerCase() : value);
  const scalars = new Set(list.filter((item) => item === null || typeof item !== 'object').map(key));
  const objects = list.filter((item) => item !== null && typeof item === 'object');
  if (objects.length === 0) return (value) => scalars.has(key(value));
  return (value) => scalars.has(key(value)) || objects.some((item) => deepEqual(value, item));
}

type Comparison = '$gt' | '$gte' | '$lt' | '$lte';

/**
 * Orders as GrowthBook does (JavaScript's < and >): two strings by their characters, anything else
 * as numbers, where a missing value or null counts as 0 and a string as the number it spells. So
 * "8" is between 5 and 10, and a missing score is below 10; a value that is no number (a word, a
 * boolean) never compares with a number. One closure per case, as these run for most rules.
 */
function compare(operator: Comparison, expected: unknown, at: string): ValueTest {
  if (typeof expected === 'number') return order(operator, expected, numeric);
  if (typeof expected !== 'string') throw new ConditionError(at, 'expected a number or a string');
  const asNumber = spelled(expected);
  const byNumber = order(operator, asNumber, numeric);
  const byText = order(operator, expected, (value) => value as string);
  if (Number.isNaN(asNumber)) return (value) => typeof value === 'string' && byText(value);
  return (value) => (typeof value === 'string' ? byText(value) : byNumber(value));
}

function order<T extends number | string>(operator: Comparison, expected: T, read: (value: unknown) => T): ValueTest {
  switch (operator) {
    case '$gt':
      return (value) => read(value) > expected;
    case '$gte':
      return (value) => read(value) >= expected;
    case '$lt':
      return (value) => read(value) < expected;
    case '$lte':
      return (value) => read(value) <= expected;
  }
}

function numeric(value: unknown): number {
  if (typeof value === 'number') return value;
  return value === undefined || value === null ? 0 : spelled(value);
}

type VersionComparison = '$veq' | '$vne' | '$vgt' | '$vgte' | '$vlt' | '$vlte';

/** Compares versions ("1.10.2", "v2.0.0-beta.1+build5") by their padded forms (versionKey). */
function compareVersions(operator: VersionComparison, expected: unknown, at: string): ValueTest {
  if (typeof expected !== 'string' && typeof expected !== 'number')
    throw new ConditionError(at, 'expected a version string, e.g. "1.2.3"');
  const key = versionKey(expected);
  switch (operator) {
    case '$veq':
      return (value) => versionKey(value) === key;
    case '$vne':
      return (value) => versionKey(value) !== key;
    case '$vgt':
      return (value) => versionKey(value) > key;
    case '$vgte':
      return (value) => versionKey(value) >= key;
    case '$vlt':
      return (value) => versionKey(value) < key;
    case '$vlte':
      return (value) => versionKey(value) <= key;
  }
}

/**
 * A version as a string that orders like the version, GrowthBook's way: no leading "v" or "+build",
 * parts split at "." and "-", each number right-aligned in 5 characters (so "9" < "10"), and "~"
 * (after every letter) appended to a plain x.y.z so that 1.0.0 comes after 1.0.0-beta. Anything
 * that is no version string or number (a missing value) reads as "0".
 */
export function versionKey(value: unknown): string {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' && value !== '' ? value : '0';
  const parts = text.replace(/^v|\+.*$/g, '').split(/[-.]/);
  if (parts.length === 3) parts.push('~');
  return parts.map((part) => (/^\d+$/.test(part) ? part.padStart(5, ' ') : part)).join('-');
}

function regex(pattern: unknown, options: unknown, at: string): ValueTest {
  if (typeof pattern !== 'string') throw new ConditionError(at, 'expected a regex string');
  if (options !== undefined && (typeof options !== 'string' || !/^[imsu]*$/.test(options))) {
    throw new ConditionError(at.replace(/\$regex$/, '$options'), 'expected flags from "imsu"');
  }
  // Validity first: the safety check reads the pattern as a regex, and would misname a broken one.
  let compiled: RegExp;
  try {
    compiled = new RegExp(pattern, options as string | undefined);
  } catch (error) {
    throw new ConditionError(at, `invalid regex: ${(error as Error).message}`);
  }
  const unsafe = unsafeRegex(pattern, options as string | undefined);
  if (unsafe) throw new ConditionError(at, unsafe);
  return memoizedTest(compiled);
}

/**
 * One test per distinct regex, remembering its last answer. Rules repeat patterns (a hundred
 * scoring rules on `request.path`), and all the rules an event meets read the same strings, so most
 * tests become one string comparison. Safe because only flags without state (imsu) are allowed.
 */
const regexTests = new Map<string, ValueTest>();

function memoizedTest(regex: RegExp): ValueTest {
  const key = `${regex.flags}/${regex.source}`;
  let test = regexTests.get(key);
  if (!test) {
    let last: string | undefined;
    let answer = false;
    test = (value) => {
      if (typeof value !== 'string') return false;
      if (value !== last) {
        answer = regex.test(value);
        last = value;
      }
      return answer;
    };
    // Bounded, as every rules file loaded in this isolate (and every test) adds its patterns.
    if (regexTests.size >= 1000) regexTests.clear();
    regexTests.set(key, test);
  }
  return test;
}

/** As in GrowthBook, null does not exist: `$exists: true` wants a value other than null. */
function exists(argument: unknown, at: string): ValueTest {
  if (typeof argument !== 'boolean') throw new ConditionError(at, 'expected true or false');
  return (value) => (value !== undefined && value !== null) === argument;
}

function type(argument: unknown, at: string): ValueTest {
  if (!TYPES.includes(argument as (typeof TYPES)[number])) throw new ConditionError(at, `expected one of ${TYPES.join(', ')}`);
  return (value) => typeOf(value) === argument;
}

function size(argument: unknown, at: string): ValueTest {
  // Anything else (a string, 1.5, -1, a field name) would compare with a length and never match.
  const count = Number.isInteger(argument) && (argument as number) >= 0;
  if (!count && !isOperatorObject(argument, at))
    throw new ConditionError(at, 'expected a whole number of elements or an object of operators');
  const test = count ? (length: unknown) => length === argument : compileValue(argument, at);
  return (value) => Array.isArray(value) && test(value.length);
}

/** Every item matches some element; with `fold` (`$alli`), string items ignore case. */
function all(argument: unknown, at: string, fold: boolean): ValueTest {
  if (!Array.isArray(argument)) throw new ConditionError(at, 'expected an array');
  const tests = argument.map((item, index) =>
    fold && typeof item === 'string' ? foldedEquals(item) : compileValue(item, `${at}[${index}]`),
  );
  return (value) => Array.isArray(value) && tests.every((test) => value.some((element) => test(element)));
}

/** Case-insensitive plain equality with a string (a number matches the string that spells it). */
function foldedEquals(expected: string): ValueTest {
  const folded = expected.toLowerCase();
  return (value) =>
    (typeof value === 'number' ? String(value) : typeof value === 'string' ? value.toLowerCase() : null) === folded;
}

function elemMatch(argument: unknown, at: string): ValueTest {
  if (!isPlainObject(argument)) throw new ConditionError(at, 'expected an object of conditions');
  // {$elemMatch: {$gt: 2}} tests the elements themselves; {$elemMatch: {a: 1}} tests their fields.
  const test: ValueTest = isOperatorObject(argument, at) ? compileValue(argument, at) : compileQuery(argument, at, undefined);
  return (value) => Array.isArray(value) && value.some((element) => test(element));
}

function typeOf(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** True when every key is an operator; a mix of operators and fields is an error. */
function isOperatorObject(value: unknown, at: string): value is Record<string, unknown> {
  if (!isPlainObject(value)) return false;
  const keys = Object.keys(value);
  const operators = keys.filter((key) => key.startsWith('$')).length;
  if (operators > 0 && operators < keys.length) throw new ConditionError(at, 'mixes operators and field names');
  return operators > 0;
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  if (keysA.length !== keysB.length) return false;
  return keysA.every(
    (key) => Object.hasOwn(b, key) && deepEqual((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]),
  );
}

type Reader = (value: unknown) => unknown;

/**
 * Splits a dotted path once. Most paths name no array index and nothing objects inherit: they are
 * `plain`, read by a loop of plain property reads, the innermost work of every rule.
 */
function compilePath(path: string) {
  const keys = path.split('.');
  const index = keys.map((key) => /^\d+$/.test(key));
  // Only names that objects or arrays inherit need the slower own-property check.
  const inherited = keys.map((key) => key in Object.prototype || key in Array.prototype || key === '__proto__');
  return { keys, index, inherited, plain: !index.some(Boolean) && !inherited.some(Boolean) };
}

/** readPath for keys that are neither indexes nor inherited names. */
function readPlain(value: unknown, keys: string[], from: number): unknown {
  for (let i = from; i < keys.length; i += 1) {
    if (value === null || typeof value !== 'object') return undefined;
    if (Array.isArray(value)) return collect(value, (element) => readPlain(element, keys, i));
    value = (value as Record<string, unknown>)[keys[i]];
  }
  return value;
}

/** Reads a dotted path; through an array of objects it collects each element's value, as Mongo does. */
function readPath(value: unknown, keys: string[], index: boolean[], inherited: boolean[], from: number): unknown {
  for (let i = from; i < keys.length; i += 1) {
    if (value === null || typeof value !== 'object') return undefined;
    const key = keys[i];
    if (Array.isArray(value) && !index[i]) return collect(value, (element) => readPath(element, keys, index, inherited, i));
    // Own properties only: "constructor" or "__proto__" in a rule must not reach the prototype.
    value = inherited[i] && !Object.hasOwn(value, key) ? undefined : (value as Record<string, unknown>)[key];
  }
  return value;
}

function collect(array: unknown[], read: Reader): unknown {
  const found = array.map(read).filter((item) => item !== undefined);
  return found.length ? found.flat() : undefined;
}

/** ` (did you mean "$gte"?)` for a typo of a known name (an edit or two away, whatever the case), else "". */
function didYouMean(name: string, known: readonly string[]): string {
  const limit = name.length > 6 ? 2 : 1;
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const candidate of known) {
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return best === undefined ? '' : ` (did you mean "${best}"?)`;
}

/** Levenshtein distance: insertions, deletions and substitutions. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    const row = [i];
    for (let j = 1; j <= b.length; j += 1) {
      row[j] = Math.min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = row;
  }
  return previous[b.length];
}

function join(at: string, key: string): string {
  return at ? `${at}.${key}` : key;
}
