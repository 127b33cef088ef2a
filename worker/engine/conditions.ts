// Compiles a MongoDB-style condition into a predicate over a plain object, once per rules load.
import type { Condition } from '../../rules/schema';

export type Predicate = (context: unknown) => boolean;

const comparisons: Record<string, (actual: unknown, expected: unknown) => boolean> = {
  $eq: (a, e) => a === e,
  $ne: (a, e) => a !== e,
  $gt: (a, e) => typeof a === typeof e && (a as number) > (e as number),
  $gte: (a, e) => typeof a === typeof e && (a as number) >= (e as number),
  $lt: (a, e) => typeof a === typeof e && (a as number) < (e as number),
  $lte: (a, e) => typeof a === typeof e && (a as number) <= (e as number),
};

function readPath(context: unknown, path: string): unknown {
  let value = context;
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

function compileField(path: string, test: unknown): Predicate {
  if (test === null || typeof test !== 'object' || Array.isArray(test)) {
    return (context) => readPath(context, path) === test;
  }
  const checks = Object.entries(test).map(([operator, expected]) => {
    const compare = comparisons[operator];
    if (!compare) throw new Error(`unknown operator ${operator}`);
    return (actual: unknown) => compare(actual, expected);
  });
  return (context) => {
    const actual = readPath(context, path);
    return checks.every((check) => check(actual));
  };
}

export function compileCondition(condition: Condition): Predicate {
  const fields = Object.entries(condition).map(([path, test]) => compileField(path, test));
  return (context) => fields.every((field) => field(context));
}
