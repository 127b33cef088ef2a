// Targeting written for GrowthBook means the same here: one table per group of operators in
// GrowthBook's targeting documentation (docs.growthbook.io/features/targeting), plus the
// case-insensitive operators of its SDKs and the cases where GrowthBook and MongoDB disagree
// (a missing attribute, numbers against numeric strings). Each row: condition, attributes, match.
import { describe, expect, it } from 'vitest';
import { compileCondition, versionKey } from '../../../worker/engine/conditions';

type Row = [name: string, condition: Record<string, unknown>, attributes: Record<string, unknown>, expected: boolean];

const table: Record<string, Row[]> = {
  'simple equality': [
    ['all pairs equal', { country: 'US', loans: 2, returning: false }, { country: 'US', loans: 2, returning: false }, true],
    ['one pair differs', { country: 'US', loans: 2 }, { country: 'US', loans: 3 }, false],
    ['case matters', { country: 'US' }, { country: 'us' }, false],
    ['a number equals the string that spells it', { loans: 2 }, { loans: '2' }, true],
    ['a numeric string equals the number', { zip: '10001' }, { zip: 10001 }, true],
    ['a word is no number', { loans: 2 }, { loans: 'two' }, false],
    ['a blank string is no number', { loans: 0 }, { loans: '' }, false],
    ['null matches null', { referrer: null }, { referrer: null }, true],
    ['null matches a missing attribute', { referrer: null }, {}, true],
    ['null does not match 0', { referrer: null }, { referrer: 0 }, false],
    ['null does not match ""', { referrer: null }, { referrer: '' }, false],
    ['a missing attribute does not equal 0', { loans: 0 }, {}, false],
    ['arrays equal in order', { steps: [1, 2] }, { steps: [1, 2] }, true],
    ['arrays in another order', { steps: [1, 2] }, { steps: [2, 1] }, false],
    ['objects equal', { cta: { text: 'Apply' } }, { cta: { text: 'Apply' } }, true],
    ['objects with an extra field', { cta: { text: 'Apply' } }, { cta: { text: 'Apply', url: '/a' } }, false],
  ],
  $eq: [
    ['equal', { plan: { $eq: 'jumbo' } }, { plan: 'jumbo' }, true],
    ['a longer string', { plan: { $eq: 'jumbo' } }, { plan: 'jumbo arm' }, false],
    ['strict: no numeric strings', { loans: { $eq: 2 } }, { loans: '2' }, false],
    ['null matches a missing attribute', { loans: { $eq: null } }, {}, true],
  ],
  $ne: [
    ['differs', { plan: { $ne: 'jumbo' } }, { plan: 'fha' }, true],
    ['equal', { plan: { $ne: 'jumbo' } }, { plan: 'jumbo' }, false],
    ['a missing attribute differs from a value', { plan: { $ne: 'jumbo' } }, {}, true],
    ['a missing attribute is null', { plan: { $ne: null } }, {}, false],
  ],
  $lt: [
    ['less', { age: { $lt: 60 } }, { age: 45 }, true],
    ['equal', { age: { $lt: 60 } }, { age: 60 }, false],
    ['strings by their characters', { word: { $lt: 'mortgage' } }, { word: 'heloc' }, true],
    ['upper case sorts first', { word: { $lt: 'heloc' } }, { word: 'Jumbo' }, true],
    ['a missing attribute counts as 0', { age: { $lt: 10 } }, {}, true],
    ['a numeric string as its number', { age: { $lt: 10 } }, { age: '8' }, true],
  ],
  $lte: [
    ['equal', { age: { $lte: 60 } }, { age: 60 }, true],
    ['greater', { age: { $lte: 60 } }, { age: 61 }, false],
    ['a missing attribute counts as 0', { age: { $lte: 0 } }, {}, true],
    ['a number against a numeric string', { age: { $lte: '60' } }, { age: 59 }, true],
  ],
  $gt: [
    ['greater', { age: { $gt: 30 } }, { age: 45 }, true],
    ['equal', { age: { $gt: 30 } }, { age: 30 }, false],
    ['a missing attribute counts as 0', { age: { $gt: -10 } }, {}, true],
    ['a missing attribute is not above 0', { age: { $gt: 0 } }, {}, false],
    ['a numeric string as its number', { n: { $gt: 5 } }, { n: '8' }, true],
    ['a number against a numeric string', { n: { $gt: '5' } }, { n: 8 }, true],
    ['two strings by their characters, not as numbers', { n: { $gt: '5' } }, { n: '10' }, false],
    ['a word never compares with a number', { n: { $gt: 5 } }, { n: 'many' }, false],
    ['a boolean never compares with a number', { n: { $gt: 0 } }, { n: true }, false],
    ['a missing attribute never compares with a word', { word: { $gt: 'a' } }, {}, false],
  ],
  $gte: [
    ['equal', { age: { $gte: 30 } }, { age: 30 }, true],
    ['less', { age: { $gte: 30 } }, { age: 29 }, false],
    ['a missing attribute counts as 0', { age: { $gte: -9 } }, {}, true],
    ['a range with a numeric string', { n: { $gte: 5, $lte: 10 } }, { n: '10' }, true],
  ],
  $regex: [
    ['matches', { ua: { $regex: 'Mobile|Tablet' } }, { ua: 'Android Mobile' }, true],
    ['does not match', { ua: { $regex: 'Mobile|Tablet' } }, { ua: 'Desktop' }, false],
    ['case matters', { ua: { $regex: 'mobile' } }, { ua: 'Android Mobile' }, false],
    ['a missing attribute never matches', { ua: { $regex: '.*' } }, {}, false],
  ],
  $in: [
    ['in the list', { state: { $in: ['NY', 'NJ'] } }, { state: 'NJ' }, true],
    ['not in the list', { state: { $in: ['NY', 'NJ'] } }, { state: 'CT' }, false],
    ['an array that shares an element', { tags: { $in: ['vip', 'jumbo'] } }, { tags: ['new', 'jumbo'] }, true],
    ['an array that shares none', { tags: { $in: ['vip', 'jumbo'] } }, { tags: ['new'] }, false],
    ['an empty array', { tags: { $in: ['vip'] } }, { tags: [] }, false],
    ['a missing attribute is not in a list of values', { state: { $in: ['NY'] } }, {}, false],
    ['a missing attribute is null', { state: { $in: ['NY', null] } }, {}, true],
    ['strict: no numeric strings', { n: { $in: [1, 2] } }, { n: '2' }, false],
  ],
  $nin: [
    ['not in the list', { state: { $nin: ['NY', 'NJ'] } }, { state: 'CT' }, true],
    ['in the list', { state: { $nin: ['NY', 'NJ'] } }, { state: 'NY' }, false],
    ['an array that shares an element', { tags: { $nin: ['vip'] } }, { tags: ['new', 'vip'] }, false],
    ['an empty array', { tags: { $nin: ['vip'] } }, { tags: [] }, true],
    ['a missing attribute', { state: { $nin: ['NY'] } }, {}, true],
  ],
  $veq: [
    ['equal', { app: { $veq: '2.4.0' } }, { app: '2.4.0' }, true],
    ['build metadata is ignored', { app: { $veq: '2.4.0' } }, { app: '2.4.0+b77' }, true],
    ['a leading v is ignored', { app: { $veq: '2.4.0' } }, { app: 'v2.4.0' }, true],
    ['a pre-release differs', { app: { $veq: '2.4.0' } }, { app: '2.4.0-rc.1' }, false],
  ],
  $vne: [
    ['another version', { app: { $vne: '2.4.0' } }, { app: '3.4.0' }, true],
    ['a pre-release of it', { app: { $vne: '2.4.0' } }, { app: '2.4.0-beta' }, true],
    ['the same version', { app: { $vne: '2.4.0' } }, { app: '2.4.0' }, false],
  ],
  $vgt: [
    ['by number, not by character', { app: { $vgt: '1.9.0' } }, { app: '1.10.0' }, true],
    ['patch', { app: { $vgt: '1.0.9' } }, { app: '1.0.10' }, true],
    ['a release after its pre-release', { app: { $vgt: '1.0.0-rc.2' } }, { app: '1.0.0' }, true],
    ['pre-release parts by number', { app: { $vgt: '1.0.0-beta.2' } }, { app: '1.0.0-beta.11' }, true],
    ['lower', { app: { $vgt: '10.0.0' } }, { app: '9.99.99' }, false],
    ['equal', { app: { $vgt: '1.2.3' } }, { app: '1.2.3' }, false],
  ],
  $vgte: [
    ['equal', { app: { $vgte: '5.30.2' } }, { app: '5.30.2' }, true],
    ['lower patch', { app: { $vgte: '1.2.30' } }, { app: '1.2.29' }, false],
  ],
  $vlt: [
    ['lower', { app: { $vlt: '1.0.0' } }, { app: '0.9.99' }, true],
    ['a pre-release before its release', { app: { $vlt: '1.0.0' } }, { app: '1.0.0-alpha' }, true],
    ['alpha before beta', { app: { $vlt: '1.0.0-beta' } }, { app: '1.0.0-alpha.10' }, true],
    ['upper case sorts first', { app: { $vlt: '1.0.0-alpha' } }, { app: '1.0.0-ALPHA' }, true],
    ['higher', { app: { $vlt: '11.0.1' } }, { app: '60.0.0' }, false],
    ['a missing attribute reads as version 0', { app: { $vlt: '0.0.1' } }, {}, true],
  ],
  $vlte: [
    ['equal', { app: { $vlte: '60.1.2' } }, { app: '60.1.2' }, true],
    ['a range', { app: { $vgt: '1.5.6', $vlte: '5.4.0' } }, { app: '5.4.0' }, true],
    ['higher', { app: { $vlte: '60.1.2' } }, { app: '61.1.2' }, false],
  ],
  $ini: [
    ['any case', { country: { $ini: ['us', 'ca'] } }, { country: 'US' }, true],
    ['not in the list', { country: { $ini: ['us', 'ca'] } }, { country: 'MX' }, false],
    ['an array in any case', { tags: { $ini: ['VIP'] } }, { tags: ['new', 'vip'] }, true],
    ['numbers as they are', { n: { $ini: [1, 2] } }, { n: 2 }, true],
  ],
  $nini: [
    ['in the list in another case', { country: { $nini: ['us'] } }, { country: 'US' }, false],
    ['not in the list', { country: { $nini: ['us'] } }, { country: 'MX' }, true],
    ['a missing attribute', { country: { $nini: ['us'] } }, {}, true],
  ],
  $alli: [
    ['all present in any case', { tags: { $alli: ['VIP', 'jumbo'] } }, { tags: ['Jumbo', 'vip', 'new'] }, true],
    ['one missing', { tags: { $alli: ['vip', 'fha'] } }, { tags: ['VIP'] }, false],
    ['not an array', { tags: { $alli: ['vip'] } }, { tags: 'vip' }, false],
  ],
  $regexi: [
    ['any case', { ua: { $regexi: 'mobile' } }, { ua: 'Android MOBILE' }, true],
    ['no match', { ua: { $regexi: 'tablet' } }, { ua: 'Android Mobile' }, false],
  ],
  $elemMatch: [
    ['an element passes the operators', { amounts: { $elemMatch: { $gt: 10 } } }, { amounts: [0, 5, 15] }, true],
    ['no element passes', { amounts: { $elemMatch: { $gt: 10 } } }, { amounts: [0, 5, 8] }, false],
    [
      'an element matches with $regex',
      { emails: { $elemMatch: { $regex: '@gmail\\.com$' } } },
      { emails: ['a@gmail.com'] },
      true,
    ],
    [
      'an object element matches the fields',
      { visits: { $elemMatch: { path: { $regex: '^/apply' } } } },
      { visits: [{ path: '/rates' }, { path: '/apply/2' }] },
      true,
    ],
    ['not an array', { visits: { $elemMatch: { path: '/apply' } } }, { visits: 'all' }, false],
  ],
  $all: [
    ['all present', { hobbies: { $all: ['hiking', 'chess'] } }, { hobbies: ['chess', 'tennis', 'hiking'] }, true],
    ['one missing', { hobbies: { $all: ['hiking', 'chess'] } }, { hobbies: ['chess'] }, false],
    ['not an array', { hobbies: { $all: ['chess'] } }, { hobbies: 'chess' }, false],
  ],
  $size: [
    ['exact', { tags: { $size: 3 } }, { tags: ['a', 'b', 'c'] }, true],
    ['empty', { tags: { $size: 0 } }, { tags: [] }, true],
    ['with an operator', { tags: { $size: { $gt: 2 } } }, { tags: ['a', 'b'] }, false],
    ['not an array', { tags: { $size: 3 } }, { tags: 'abc' }, false],
  ],
  $exists: [
    ['present', { email: { $exists: true } }, { email: 'a@b.c' }, true],
    ['missing', { email: { $exists: true } }, {}, false],
    ['null does not exist', { email: { $exists: true } }, { email: null }, false],
    ['missing wanted', { 'pets.dog.name': { $exists: false } }, { pets: {} }, true],
    ['null wanted missing', { email: { $exists: false } }, { email: null }, true],
  ],
  $type: [
    ['string', { a: { $type: 'string' } }, { a: 'x' }, true],
    ['number', { a: { $type: 'number' } }, { a: 'x' }, false],
    ['boolean', { a: { $type: 'boolean' } }, { a: false }, true],
    ['array', { a: { $type: 'array' } }, { a: [1] }, true],
    ['object', { a: { $type: 'object' } }, { a: { b: 1 } }, true],
    ['null', { a: { $type: 'null' } }, { a: null }, true],
    ['a missing attribute reads as null', { a: { $type: 'null' } }, {}, true],
  ],
  $not: [
    ['inverts an operator', { name: { $not: { $regex: '^J' } } }, { name: 'Ann' }, true],
    ['inverts a match', { name: { $not: { $regex: '^J' } } }, { name: 'Jo' }, false],
    ['inverts a condition', { $not: { plan: 'jumbo' } }, { plan: 'fha' }, true],
  ],
  $or: [
    ['one passes', { $or: [{ plan: 'jumbo' }, { loans: { $gt: 1 } }] }, { plan: 'fha', loans: 2 }, true],
    ['none passes', { $or: [{ plan: 'jumbo' }, { loans: { $gt: 1 } }] }, { plan: 'fha', loans: 1 }, false],
    ['empty', { $or: [] }, {}, true],
  ],
  $nor: [
    ['none passes', { $nor: [{ name: 'Jo' }, { age: { $lt: 30 } }] }, { name: 'Ann', age: 40 }, true],
    ['one passes', { $nor: [{ name: 'Jo' }, { age: { $lt: 30 } }] }, { name: 'Ann', age: 20 }, false],
  ],
  $and: [
    [
      'nested with $or',
      { $and: [{ 'parent.age': { $gt: 65 } }, { $or: [{ bday: { $regex: '-12-25$' } }, { name: 'Noel' }] }] },
      { name: 'Noel', bday: '1980-06-01', parent: { age: 70 } },
      true,
    ],
    ['one fails', { $and: [{ plan: 'jumbo' }, { loans: 2 }] }, { plan: 'jumbo', loans: 3 }, false],
    ['empty', { $and: [] }, {}, true],
  ],
};

describe('GrowthBook-compatible conditions', () => {
  for (const [group, rows] of Object.entries(table)) {
    describe(group, () => {
      it.each(rows)('%s', (_name, condition, attributes, expected) => {
        expect(compileCondition(condition)(attributes)).toBe(expected);
      });
    });
  }

  // Version keys order as the versions do: GrowthBook's padding, so plain string order works.
  it.each([
    ['0.9.99', '1.0.0'],
    ['0.9.0', '0.10.0'],
    ['1.0.0-alpha', '1.0.0-alpha.1'],
    ['1.0.0-alpha.1', '1.0.0-alpha.beta'],
    ['1.0.0-beta.2', '1.0.0-beta.11'],
    ['1.0.0-rc.1', '1.0.0'],
    ['0.0.0-foo', 'v0.0.0'],
    ['1.2.3', '2'],
  ])('%s < %s', (lower, higher) => {
    expect(versionKey(lower) < versionKey(higher)).toBe(true);
  });
});
