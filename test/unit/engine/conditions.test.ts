import { describe, expect, it } from 'vitest';
import { compileCondition, ConditionError } from '../../../worker/engine/conditions';

const doc = {
  name: 'Dana',
  age: 34,
  zero: 0,
  nothing: null,
  tags: ['mortgage', 'refinance'],
  scores: [3, 8, 12],
  empty: [],
  forms: { 'mortgage-app': { abandoned: true, furthest: 3 } },
  visits: [
    { path: '/rates', n: 2 },
    { path: '/apply', n: 5 },
  ],
  nested: { a: { b: 1 } },
};

type Row = [name: string, condition: Record<string, unknown>, expected: boolean];

const table: Record<string, Row[]> = {
  implicit: [
    ['string equals', { name: 'Dana' }, true],
    ['string differs', { name: 'dana' }, false],
    ['dotted path', { 'forms.mortgage-app.furthest': 3 }, true],
    ['missing path is not equal', { 'no.such.path': 3 }, false],
    ['null matches null', { nothing: null }, true],
    ['null matches missing, as in GrowthBook', { missing: null }, true],
    ['array element', { tags: 'refinance' }, true],
    ['whole array', { tags: ['mortgage', 'refinance'] }, true],
    ['array order matters', { tags: ['refinance', 'mortgage'] }, false],
    ['object deep equality', { nested: { a: { b: 1 } } }, true],
    ['a numeric string equals its number, as in GrowthBook', { age: '34' }, true],
    ['a word never equals a number', { name: 0 }, false],
    ['empty condition', {}, true],
  ],
  $eq: [
    ['number', { age: { $eq: 34 } }, true],
    ['array element', { scores: { $eq: 8 } }, true],
    ['type mismatch', { zero: { $eq: false } }, false],
  ],
  $ne: [
    ['differs', { age: { $ne: 35 } }, true],
    ['same', { age: { $ne: 34 } }, false],
    ['missing path', { missing: { $ne: 1 } }, true],
    ['no element equals', { tags: { $ne: 'heloc' } }, true],
    ['an element equals', { tags: { $ne: 'mortgage' } }, false],
  ],
  $in: [
    ['scalar in list', { name: { $in: ['Sam', 'Dana'] } }, true],
    ['scalar not in list', { name: { $in: ['Sam'] } }, false],
    ['array intersects', { tags: { $in: ['heloc', 'refinance'] } }, true],
    ['array disjoint', { tags: { $in: ['heloc'] } }, false],
    ['missing path', { missing: { $in: [1] } }, false],
    ['empty list', { age: { $in: [] } }, false],
    ['whole array in list', { tags: { $in: [['mortgage', 'refinance'], 'x'] } }, true],
    ['whole array in another order', { tags: { $in: [['refinance', 'mortgage']] } }, false],
  ],
  $nin: [
    ['scalar not in list', { name: { $nin: ['Sam'] } }, true],
    ['scalar in list', { name: { $nin: ['Dana'] } }, false],
    ['array intersects', { tags: { $nin: ['mortgage'] } }, false],
    ['missing path', { missing: { $nin: [1] } }, true],
    ['whole array in list', { tags: { $nin: [['mortgage', 'refinance']] } }, false],
  ],
  $gt: [
    ['greater', { age: { $gt: 30 } }, true],
    ['equal', { age: { $gt: 34 } }, false],
    ['string order', { name: { $gt: 'Cat' } }, true],
    ['type mismatch string vs number', { name: { $gt: 1 } }, false],
    ['missing path', { missing: { $gt: 0 } }, false],
    ['any array element', { scores: { $gt: 10 } }, true],
  ],
  $gte: [
    ['equal', { age: { $gte: 34 } }, true],
    ['less', { age: { $gte: 35 } }, false],
    ['zero', { zero: { $gte: 0 } }, true],
  ],
  $lt: [
    ['less', { age: { $lt: 40 } }, true],
    ['equal', { age: { $lt: 34 } }, false],
    ['null counts as 0, as in GrowthBook', { nothing: { $lt: 1 } }, true],
  ],
  $lte: [
    ['equal', { age: { $lte: 34 } }, true],
    ['greater', { age: { $lte: 33 } }, false],
    ['range', { age: { $gte: 30, $lte: 40 } }, true],
  ],
  $regex: [
    ['matches', { name: { $regex: '^Da' } }, true],
    ['does not match', { name: { $regex: '^da' } }, false],
    ['with $options', { name: { $regex: '^da', $options: 'i' } }, true],
    ['array element', { tags: { $regex: '^refi' } }, true],
    ['number is not a string', { age: { $regex: '34' } }, false],
    ['missing path', { missing: { $regex: '.*' } }, false],
  ],
  $exists: [
    ['present', { age: { $exists: true } }, true],
    ['null does not exist, as in GrowthBook', { nothing: { $exists: true } }, false],
    ['absent', { missing: { $exists: true } }, false],
    ['absent wanted', { missing: { $exists: false } }, true],
  ],
  $type: [
    ['missing path reads as null', { missing: { $type: 'null' } }, true],
    ['string', { name: { $type: 'string' } }, true],
    ['number', { age: { $type: 'number' } }, true],
    ['array', { tags: { $type: 'array' } }, true],
    ['object', { nested: { $type: 'object' } }, true],
    ['null', { nothing: { $type: 'null' } }, true],
    ['mismatch', { age: { $type: 'string' } }, false],
  ],
  $size: [
    ['missing path', { missing: { $size: 0 } }, false],
    ['missing path, with an operator', { missing: { $size: { $lt: 1 } } }, false],
    ['exact', { tags: { $size: 2 } }, true],
    ['empty', { empty: { $size: 0 } }, true],
    ['wrong size', { tags: { $size: 3 } }, false],
    ['with operator', { scores: { $size: { $gte: 3 } } }, true],
    ['not an array', { name: { $size: 4 } }, false],
  ],
  $all: [
    ['missing path', { missing: { $all: [] } }, false],
    ['all present', { tags: { $all: ['refinance', 'mortgage'] } }, true],
    ['one missing', { tags: { $all: ['mortgage', 'heloc'] } }, false],
    ['not an array', { name: { $all: ['Dana'] } }, false],
    ['empty list', { tags: { $all: [] } }, true],
  ],
  $elemMatch: [
    ['missing path', { missing: { $elemMatch: { $exists: false } } }, false],
    ['element operators', { scores: { $elemMatch: { $gt: 5, $lt: 10 } } }, true],
    ['no element in range', { scores: { $elemMatch: { $gt: 12 } } }, false],
    ['object fields', { visits: { $elemMatch: { path: '/apply', n: { $gte: 5 } } } }, true],
    ['fields on different elements', { visits: { $elemMatch: { path: '/rates', n: 5 } } }, false],
    ['not an array', { age: { $elemMatch: { $gt: 1 } } }, false],
  ],
  $not: [
    ['missing path', { missing: { $not: { $gt: 1 } } }, true],
    ['field level', { age: { $not: { $gt: 40 } } }, true],
    ['field level false', { age: { $not: { $lt: 40 } } }, false],
    ['top level', { $not: { name: 'Sam' } }, true],
  ],
  $and: [
    ['both', { $and: [{ name: 'Dana' }, { age: 34 }] }, true],
    ['one fails', { $and: [{ name: 'Dana' }, { age: 35 }] }, false],
    ['empty', { $and: [] }, true],
  ],
  $or: [
    ['one', { $or: [{ name: 'Sam' }, { age: 34 }] }, true],
    ['none', { $or: [{ name: 'Sam' }, { age: 35 }] }, false],
    ['empty matches, as in GrowthBook', { $or: [] }, true],
  ],
  $nor: [
    ['missing path', { $nor: [{ missing: 1 }] }, true],
    ['none', { $nor: [{ name: 'Sam' }, { age: 35 }] }, true],
    ['one', { $nor: [{ name: 'Sam' }, { age: 34 }] }, false],
  ],
  paths: [
    ['through an array of objects', { 'visits.path': '/apply' }, true],
    ['through an array of objects, no match', { 'visits.path': '/heloc' }, false],
    ['numeric index', { 'scores.1': 8 }, true],
    ['prototype is not reachable', { 'name.length': 4 }, false],
    ['constructor is not reachable', { 'nested.constructor': { $exists: true } }, false],
  ],
};

describe('compileCondition', () => {
  for (const [operator, rows] of Object.entries(table)) {
    describe(operator, () => {
      it.each(rows)('%s', (_name, condition, expected) => {
        expect(compileCondition(condition)(doc)).toBe(expected);
      });
    });
  }

  it('evaluates against non-objects without throwing', () => {
    for (const value of [null, undefined, 3, 'text', []]) expect(compileCondition({ a: 1 })(value)).toBe(false);
  });
});

describe('rules errors in conditions', () => {
  it.each([
    ['unknown field operator', { age: { $gtt: 1 } }, 'when.age.$gtt', 'unknown operator "$gtt" (did you mean "$gt"?)'],
    ['unknown top-level operator', { $xor: [] }, 'when.$xor', 'unknown operator "$xor" (did you mean "$or"?)'],
    ['$in without a list', { age: { $in: 3 } }, 'when.age.$in', 'expected an array'],
    ['$and without a list', { $and: { a: 1 } }, 'when.$and', '$and expects an array of conditions'],
    ['operators mixed with fields', { age: { $gt: 1, b: 2 } }, 'when.age', 'mixes operators and field names'],
    [
      'bad regex',
      { name: { $regex: '(' } },
      'when.name.$regex',
      'invalid regex: Invalid regular expression: /(/: Unterminated group',
    ],
    [
      'an invalid regex that would also be unsafe gets the invalid message',
      { name: { $regex: '(a+)+[' } },
      'when.name.$regex',
      'invalid regex: Invalid regular expression: /(a+)+[/: Unterminated character class',
    ],
    [
      'invalid $regexi',
      { name: { $regexi: '(' } },
      'when.name.$regexi',
      'invalid regex: Invalid regular expression: /(/i: Unterminated group',
    ],
    ['unsafe $regexi', { name: { $regexi: '(a+)+$' } }, 'when.name.$regexi', 'nested quantifiers can backtrack catastrophically'],
    ['$vgt on an object', { v: { $vgt: {} } }, 'when.v.$vgt', 'expected a version string, e.g. "1.2.3"'],
    ['$ini without a list', { a: { $ini: 'x' } }, 'when.a.$ini', 'expected an array'],
    ['$alli without a list', { a: { $alli: 'x' } }, 'when.a.$alli', 'expected an array'],
    [
      'a typo in the case of an operator',
      { a: { $elemmatch: {} } },
      'when.a.$elemmatch',
      'unknown operator "$elemmatch" (did you mean "$elemMatch"?)',
    ],
    ['a name far from any operator', { a: { $between: [1, 2] } }, 'when.a.$between', 'unknown operator "$between"'],
    ['an operator typo', { age: { $gtee: 1 } }, 'when.age.$gtee', 'unknown operator "$gtee" (did you mean "$gte"?)'],
    [
      'nested quantifier',
      { name: { $regex: '(a+)+$' } },
      'when.name.$regex',
      'nested quantifiers can backtrack catastrophically',
    ],
    ['nested star', { name: { $regex: '^(\\w*,?)*$' } }, 'when.name.$regex', 'nested quantifiers can backtrack catastrophically'],
    ['bad $options', { name: { $regex: 'a', $options: 'g' } }, 'when.name.$options', 'expected flags from "imsu"'],
    ['$exists not boolean', { a: { $exists: 1 } }, 'when.a.$exists', 'expected true or false'],
    ['$type unknown', { a: { $type: 'date' } }, 'when.a.$type', 'expected one of string, number, boolean, array, object, null'],
    ['$gt on an object', { a: { $gt: {} } }, 'when.a.$gt', 'expected a number or a string'],
    ['$options without $regex', { name: { $options: 'i' } }, 'when.name.$options', '$options needs a $regex'],
    [
      'repeated alternatives',
      { name: { $regex: '^(a|aa)+$' } },
      'when.name.$regex',
      'a repeated group of alternatives can backtrack catastrophically',
    ],
    [
      'repeated class alternatives',
      { name: { $regex: '(?:\\w|\\d){2,}x' } },
      'when.name.$regex',
      'a repeated group of alternatives can backtrack catastrophically',
    ],
    [
      '$size with a string',
      { tags: { $size: '2' } },
      'when.tags.$size',
      'expected a whole number of elements or an object of operators',
    ],
    [
      '$size with a fraction',
      { tags: { $size: 1.5 } },
      'when.tags.$size',
      'expected a whole number of elements or an object of operators',
    ],
    [
      '$size with a negative count',
      { tags: { $size: -1 } },
      'when.tags.$size',
      'expected a whole number of elements or an object of operators',
    ],
    [
      '$size with a field',
      { tags: { $size: { n: 2 } } },
      'when.tags.$size',
      'expected a whole number of elements or an object of operators',
    ],
    ['$size with a bad operator', { tags: { $size: { $gte: {} } } }, 'when.tags.$size.$gte', 'expected a number or a string'],
    ['$nin without a list', { age: { $nin: 'x' } }, 'when.age.$nin', 'expected an array'],
    ['$all without a list', { tags: { $all: 'x' } }, 'when.tags.$all', 'expected an array'],
    ['$elemMatch without an object', { tags: { $elemMatch: 1 } }, 'when.tags.$elemMatch', 'expected an object of conditions'],
    ['$exists with a string', { a: { $exists: 'yes' } }, 'when.a.$exists', 'expected true or false'],
    ['$regex with a number', { a: { $regex: 1 } }, 'when.a.$regex', 'expected a regex string'],
    ['$lt with null', { a: { $lt: null } }, 'when.a.$lt', 'expected a number or a string'],
    ['$or item not an object', { $or: [1] }, 'when.$or[0]', 'expected an object of conditions'],
    ['nested in $or', { $or: [{ a: 1 }, { b: { $foo: 1 } }] }, 'when.$or[1].b.$foo', 'unknown operator "$foo"'],
  ])('%s', (_name, condition, path, message) => {
    let error: unknown;
    try {
      compileCondition(condition, 'when');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConditionError);
    expect({ path: (error as ConditionError).path, message: (error as ConditionError).message }).toEqual({ path, message });
  });

  const chain = (depth: number, inner: unknown = { a: 1 }): unknown => {
    let condition = inner;
    for (let i = 1; i < depth; i += 1) condition = { $not: condition };
    return condition;
  };

  it('refuses conditions nested past 32 levels, naming where, without overflowing the stack', () => {
    expect(() => compileCondition(chain(1500), 'when')).toThrow(
      new ConditionError('when' + '.$not'.repeat(32), 'nested more than 32 levels deep'),
    );
    try {
      compileCondition({ $or: [{ a: { $elemMatch: chain(40, { $in: [[1]] }) } }] }, 'when');
    } catch (error) {
      expect((error as ConditionError).path).toBe(`when.$or[0].a.$elemMatch${'.$not'.repeat(28)}`);
    }
    expect(compileCondition(chain(32, { a: 1 }))({ a: 2 })).toBe(true);
  });

  // Each of these takes seconds on a few dozen characters (the first: 6 s on 30).
  it.each([
    ['a bounded repeat of a group with a repeat', '(a+){10}$', 'nested quantifiers can backtrack catastrophically'],
    ['a bounded repeat of a wildcard group', '(.*a){20}', 'nested quantifiers can backtrack catastrophically'],
    ['a lazy bounded repeat', '(\\w+?,){2,3}', 'nested quantifiers can backtrack catastrophically'],
    ['a repeat of a repeated choice', '((a|b){3}){2}', 'nested quantifiers can backtrack catastrophically'],
    ['a repeat of an optional part', '(a?)+b', 'nested quantifiers can backtrack catastrophically'],
    [
      'many passes over alternatives',
      '(a|aa){25}b',
      'a group of alternatives or optional parts repeated more than 4 times can backtrack catastrophically',
    ],
    [
      'many passes over an optional part',
      '(a?){25}a{25}',
      'a group of alternatives or optional parts repeated more than 4 times can backtrack catastrophically',
    ],
    [
      'adjacent wildcards',
      '.*.*.*.*.*.*.*=',
      '7 unbounded repeats (.*, .*, .*, .*, .*, .*, .*) can match the same characters: a failed match tries every way to split the text between them',
    ],
    [
      'wildcards around characters they match',
      '.*a.*a.*a=',
      '3 unbounded repeats (.*, .*, .*) can match the same characters: a failed match tries every way to split the text between them',
    ],
    [
      'wildcards in groups',
      '(.*)(\\w+)x(.+)=',
      '3 unbounded repeats (.*, \\w+, .+) can match the same characters: a failed match tries every way to split the text between them',
    ],
    [
      'repeats split only by an optional character',
      '[^/]+/?[^/]+/?[^/]+$',
      '3 unbounded repeats ([^/]+, [^/]+, [^/]+) can match the same characters: a failed match tries every way to split the text between them',
    ],
    // Two are enough unanchored: seconds on a 2 KB URL (.*a.*= 6 s, .*.*= 4 s, .+x.+y 5 s).
    [
      'two wildcards around a character they match',
      '.*a.*=',
      '2 unbounded repeats (.*, .*) can match the same characters: a failed match tries every way to split the text between them',
    ],
    [
      'two adjacent wildcards',
      '.*.*=',
      '2 unbounded repeats (.*, .*) can match the same characters: a failed match tries every way to split the text between them',
    ],
    [
      'two wildcards before characters they match',
      '.+x.+y',
      '2 unbounded repeats (.+, .+) can match the same characters: a failed match tries every way to split the text between them',
    ],
    [
      'two wildcards before an end anchor',
      '.*foo.*$',
      '2 unbounded repeats (.*, .*) can match the same characters: a failed match tries every way to split the text between them',
    ],
    [
      'two wildcards in an unanchored alternative',
      '^a.*|.*b.*=',
      '2 unbounded repeats (.*, .*) can match the same characters: a failed match tries every way to split the text between them',
    ],
    [
      'three wildcards after an anchor',
      '^.*a.*a.*=',
      '3 unbounded repeats (.*, .*, .*) can match the same characters: a failed match tries every way to split the text between them',
    ],
  ])('rejects %s: %s', (_name, pattern, message) => {
    expect(() => compileCondition({ a: { $regex: pattern } }, 'when')).toThrow(message);
  });

  it.each([
    '(a|b)?c',
    '[a-z]+(\\.[a-z]+)?',
    '^/rates',
    '(?:ab)+',
    '(abc)+',
    'a{2,}b',
    '^/(rates|refinance)/',
    'heloc|home-equity',
    '(a|b){3}',
    '[(|)]+',
    '(\\d{3}-){2}\\d{4}',
    '(\\d{3}-)+',
    '\\d+\\.\\d+\\.\\d+',
    '[^/]+/[^/]+/[^/]+$',
    '\\w+@\\w+\\.\\w+',
    '.*foo.*',
    '^/blog/.+/comments/\\d+$',
    '(?<year>\\d{4})-(?<month>\\d\\d)',
    '^/rates/.*',
    '[a-z]+-[a-z]+',
    '[^/]+/[^/]+/[^/]+',
    '^https?://',
    'utm_source=google',
    '(?:^|&)step=\\d+',
    '^.*a.*=',
    '.*a|.*b',
    '.*foo(\\.\\w+)?',
  ])('accepts the safe regex %s', (pattern) => {
    expect(() => compileCondition({ a: { $regex: pattern } })).not.toThrow();
  });

  it('counts ^ as an anchor only without the "m" flag, which makes every line a start', () => {
    expect(() => compileCondition({ a: { $regex: '^.*a.*=', $options: 'm' } }, 'when')).toThrow(
      '2 unbounded repeats (.*, .*) can match the same characters',
    );
  });
});
