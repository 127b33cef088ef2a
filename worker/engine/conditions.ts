// Compiles a MongoDB-style condition (the query language of GrowthBook's targeting) into a
// predicate, once per rules load: paths are split, regexes built and operators resolved here, so
// evaluating a rule per event is only closure calls. Unknown operators are rules errors.
import { unsafeRegex } from './regex-safety';

export type Predicate = (context: unknown) => boolean;
type ValueTest = (value: unknown) => boolean;

export type Operator =
  | '$eq' | '$ne' | '$in' | '$nin' | '$gt' | '$gte' | '$lt' | '$lte' | '$regex' | '$options'
  | '$exists' | '$type' | '$size' | '$all' | '$elemMatch' | '$not';
export type LogicalOperator = '$and' | '$or' | '$nor' | '$not';

/** A problem in a condition, with the path inside it (e.g. `counters.pages.$gtt`). */
export class ConditionError extends Error {
  constructor(readonly path: string, message: string) {
    super(message);
  }
}

const TYPES = ['string', 'number', 'boolean', 'array', 'object', 'null'] as const;

/** Compiles `condition`; throws ConditionError naming the first problem. */
export function compileCondition(condition: unknown, at = ''): Predicate {
  if (!isPlainObject(condition)) throw new ConditionError(at, 'expected an object of conditions');
  const parts = Object.entries(condition).map(([key, value]) => compileEntry(key, value, join(at, key)));
  return allOf(parts);
}

/** Conjunction; the common short ones unrolled, as this is the innermost loop of every rule. */
function allOf(parts: Predicate[]): Predicate {
  const [a, b, c] = parts;
  switch (parts.length) {
    case 0: return () => true;
    case 1: return a;
    case 2: return (context) => a(context) && b(context);
    case 3: return (context) => a(context) && b(context) && c(context);
    default: return (context) => parts.every((part) => part(context));
  }
}

function compileEntry(key: string, value: unknown, at: string): Predicate {
  if (key === '$and' || key === '$or' || key === '$nor') {
    if (!Array.isArray(value)) throw new ConditionError(at, `${key} expects an array of conditions`);
    const parts = value.map((item, index) => compileCondition(item, `${at}[${index}]`));
    // An empty $or matches, as in GrowthBook: "no alternatives given" restricts nothing.
    if (key === '$and') return allOf(parts);
    if (key === '$or') return (context) => parts.length === 0 || parts.some((part) => part(context));
    return (context) => !parts.some((part) => part(context));
  }
  if (key === '$not') {
    const inner = compileCondition(value, at);
    return (context) => !inner(context);
  }
  if (key.startsWith('$')) throw new ConditionError(at, `unknown operator "${key}"`);
  const path = compilePath(key);
  const test = compileValue(value, at);
  return (context) => test(readPath(context, path, 0));
}

/** A condition on one value: implicit equality, or an object of operators. */
export function compileValue(expected: unknown, at: string): ValueTest {
  if (!isOperatorObject(expected, at)) return anyElement(equals(expected), expected);
  if ('$options' in expected && !('$regex' in expected)) throw new ConditionError(join(at, '$options'), '$options needs a $regex');
  const tests = Object.entries(expected)
    .filter(([operator]) => operator !== '$options')
    .map(([operator, argument]) => compileOperator(operator, argument, expected, join(at, operator)));
  return tests.length === 1 ? tests[0] : (value) => tests.every((test) => test(value));
}

function compileOperator(operator: string, argument: unknown, siblings: Record<string, unknown>, at: string): ValueTest {
  switch (operator) {
    case '$eq': return anyElement(equals(argument), argument);
    case '$ne': { const eq = anyElement(equals(argument), argument); return (value) => !eq(value); }
    case '$in': return anyElement(member(argument, at), listsIn(argument));
    case '$nin': { const inn = anyElement(member(argument, at), listsIn(argument)); return (value) => !inn(value); }
    case '$gt': return anyElement(compare(argument, at, (order) => order > 0));
    case '$gte': return anyElement(compare(argument, at, (order) => order >= 0));
    case '$lt': return anyElement(compare(argument, at, (order) => order < 0));
    case '$lte': return anyElement(compare(argument, at, (order) => order <= 0));
    case '$regex': return anyElement(regex(argument, siblings.$options, at));
    case '$exists': return exists(argument, at);
    case '$type': return type(argument, at);
    case '$size': return size(argument, at);
    case '$all': return all(argument, at);
    case '$elemMatch': return elemMatch(argument, at);
    case '$not': { const inner = compileValue(argument, at); return (value) => !inner(value); }
    default: throw new ConditionError(at, `unknown operator "${operator}"`);
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

function equals(expected: unknown): ValueTest {
  if (expected === null || typeof expected !== 'object') return (value) => value === expected;
  return (value) => deepEqual(value, expected);
}

/** A list that holds arrays, so a whole array can match too ({tags: {$in: [["a", "b"]]}}, as in Mongo). */
function listsIn(list: unknown): unknown[] | undefined {
  return Array.isArray(list) && list.some(Array.isArray) ? list : undefined;
}

function member(list: unknown, at: string): ValueTest {
  if (!Array.isArray(list)) throw new ConditionError(at, 'expected an array');
  const scalars = new Set(list.filter((item) => item === null || typeof item !== 'object'));
  const objects = list.filter((item) => item !== null && typeof item === 'object');
  return (value) => scalars.has(value) || objects.some((item) => deepEqual(value, item));
}

function compare(expected: unknown, at: string, accept: (order: number) => boolean): ValueTest {
  if (typeof expected !== 'number' && typeof expected !== 'string') throw new ConditionError(at, 'expected a number or a string');
  // Different types never compare (Mongo's type brackets): "7" is not greater than 5.
  return (value) => {
    if (typeof value !== typeof expected) return false;
    const actual = value as typeof expected;
    return accept(actual < expected ? -1 : actual > expected ? 1 : 0);
  };
}

function regex(pattern: unknown, options: unknown, at: string): ValueTest {
  if (typeof pattern !== 'string') throw new ConditionError(at, 'expected a regex string');
  if (options !== undefined && (typeof options !== 'string' || !/^[imsu]*$/.test(options))) {
    throw new ConditionError(at.replace(/\$regex$/, '$options'), 'expected flags from "imsu"');
  }
  const unsafe = unsafeRegex(pattern);
  if (unsafe) throw new ConditionError(at, unsafe);
  let compiled: RegExp;
  try {
    compiled = new RegExp(pattern, options as string | undefined);
  } catch (error) {
    throw new ConditionError(at, `invalid regex: ${(error as Error).message}`);
  }
  return (value) => typeof value === 'string' && compiled.test(value);
}

function exists(argument: unknown, at: string): ValueTest {
  if (typeof argument !== 'boolean') throw new ConditionError(at, 'expected true or false');
  return (value) => (value !== undefined) === argument;
}

function type(argument: unknown, at: string): ValueTest {
  if (!TYPES.includes(argument as (typeof TYPES)[number])) throw new ConditionError(at, `expected one of ${TYPES.join(', ')}`);
  return (value) => typeOf(value) === argument;
}

function size(argument: unknown, at: string): ValueTest {
  const test = typeof argument === 'number' ? (length: unknown) => length === argument : compileValue(argument, at);
  return (value) => Array.isArray(value) && test(value.length);
}

function all(argument: unknown, at: string): ValueTest {
  if (!Array.isArray(argument)) throw new ConditionError(at, 'expected an array');
  const tests = argument.map((item, index) => compileValue(item, `${at}[${index}]`));
  return (value) => Array.isArray(value) && tests.every((test) => value.some((element) => test(element)));
}

function elemMatch(argument: unknown, at: string): ValueTest {
  if (!isPlainObject(argument)) throw new ConditionError(at, 'expected an object of conditions');
  // {$elemMatch: {$gt: 2}} tests the elements themselves; {$elemMatch: {a: 1}} tests their fields.
  const test: ValueTest = isOperatorObject(argument, at) ? compileValue(argument, at) : compileCondition(argument, at);
  return (value) => Array.isArray(value) && value.some((element) => test(element));
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
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
  return keysA.every((key) => Object.hasOwn(b, key) && deepEqual((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]));
}

type PathKey = { key: string; index: boolean; inherited: boolean };

function compilePath(path: string): PathKey[] {
  return path.split('.').map((key) => ({
    key,
    index: /^\d+$/.test(key),
    // Only names that objects or arrays inherit need the slower own-property check.
    inherited: key in Object.prototype || key in Array.prototype || key === '__proto__',
  }));
}

/** Reads a dotted path; through an array of objects it collects each element's value, as Mongo does. */
function readPath(value: unknown, path: PathKey[], from: number): unknown {
  for (let i = from; i < path.length; i += 1) {
    if (value === null || typeof value !== 'object') return undefined;
    const { key, index, inherited } = path[i];
    if (Array.isArray(value) && !index) {
      const found = value.map((element) => readPath(element, path, i)).filter((item) => item !== undefined);
      return found.length ? found.flat() : undefined;
    }
    // Own properties only: "constructor" or "__proto__" in a rule must not reach the prototype.
    value = inherited && !Object.hasOwn(value, key) ? undefined : (value as Record<string, unknown>)[key];
  }
  return value;
}

function join(at: string, key: string): string {
  return at ? `${at}.${key}` : key;
}
