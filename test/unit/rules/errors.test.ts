import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { problems } from '../helpers';

const base = { origins: ['https://acme.example'] };
const banner = { title: 'Hi', placement: 'slot' };

describe('rules errors', () => {
  it.each([
    ['a missing section', {}, ['rules/test.json:origins: Invalid input: expected array, received undefined']],
    ['an unknown key', { ...base, ofers: [] }, ['rules/test.json:(root): Unrecognized key: "ofers"']],
    [
      'a bad per-day cap',
      { ...base, offers: [{ id: 'a', slots: ['hero'], banner, caps: { per_day: 0 } }] },
      ['rules/test.json:offers[0].caps.per_day: Too small: expected number to be >0'],
    ],
    [
      'duplicate ids',
      {
        ...base,
        segments: [
          { id: 's', when: {} },
          { id: 's', when: {} },
        ],
      },
      ['rules/test.json:segments[1].id: duplicate id "s" (first at segments[0])'],
    ],
    [
      'unknown product, stage, segment and slot',
      {
        ...base,
        slots: ['hero'],
        products: [{ id: 'mortgage' }],
        stages: [{ id: 'lead' }],
        offers: [{ id: 'a', slots: ['heroo'], product: 'card', stages: ['customer'], segments: ['vip'], banner }],
      },
      [
        'rules/test.json:offers[0].product: unknown product "card" (known: mortgage)',
        'rules/test.json:offers[0].stages[0]: unknown stage "customer" (known: lead)',
        'rules/test.json:offers[0].segments[0]: unknown segment "vip" (known: no segments are defined)',
        'rules/test.json:offers[0].slots[0]: unknown slot "heroo" (known: hero)',
      ],
    ],
    [
      'shares that do not add up',
      {
        ...base,
        offers: [
          {
            id: 'a',
            slots: ['hero'],
            banner,
            holdout: 0.1,
            variants: [
              { id: 'x', weight: 0.5 },
              { id: 'y', weight: 0.3 },
            ],
          },
        ],
      },
      ['rules/test.json:offers[0].variants: variant weights (0.8) and holdout (0.1) add up to 0.9, expected 1'],
    ],
    [
      'an unknown operator',
      { ...base, offers: [{ id: 'a', slots: ['hero'], banner, when: { 'counters.pages': { $gte: 1, $bogus: 2 } } }] },
      ['rules/test.json:offers[0].when.counters.pages.$bogus: unknown operator "$bogus"'],
    ],
    [
      'a catastrophic regex',
      { ...base, segments: [{ id: 's', when: { 'request.path': { $regex: '^(/[a-z]+)+$' } } }] },
      ['rules/test.json:segments[0].when.request.path.$regex: nested quantifiers can backtrack catastrophically'],
    ],
    [
      'scoring rules that can never match',
      {
        ...base,
        scoring: {
          rules: [
            { id: 'a', when: { 'event.type': 'pageview' }, points: 1 },
            { id: 'b', when: { 'event.type': 'page', 'event.name': 'x' }, points: 1 },
            { id: 'c', when: { 'event.type': { $in: [] } }, points: 1 },
            { id: 'd', when: { 'event.type': 'form', 'event.action': 'click' }, points: 1 },
            { id: 'e', when: { 'event.type': { $in: ['page', 'pageview'] } }, points: 1 },
            {
              id: 'f',
              when: { 'event.type': { $in: ['form', 'offer'] }, 'event.action': { $in: ['click', 'submit'] } },
              points: 1,
            },
          ],
        },
      },
      [
        'rules/test.json:scoring.rules[0].when: can never match: event.type "pageview" is not one of page, form, track, offer, identify',
        'rules/test.json:scoring.rules[1].when: can never match: event.name exists only on track events',
        'rules/test.json:scoring.rules[2].when: can never match: event.type is in an empty list',
        'rules/test.json:scoring.rules[3].when: can never match: event.action "click" is not an action of form events (start, step, submit, abandon)',
        'rules/test.json:scoring.rules[4].when.event.type: "pageview" is not an event type (page, form, track, offer, identify)',
      ],
    ],
    [
      'unknown ids inside conditions',
      {
        ...base,
        products: [{ id: 'mortgage' }],
        stages: [{ id: 'lead' }],
        segments: [{ id: 'vip', when: {} }],
        offers: [
          {
            id: 'a',
            slots: ['hero'],
            banner,
            when: {
              $or: [{ stage: { $in: ['lead', 'custmer'] } }, { segments: 'vipp' }],
              'score.products.heloc': { $gt: 1 },
              'offers.b.clicks': 0,
            },
          },
        ],
        scoring: { rules: [{ id: 'r', when: { 'event.type': 'offer', 'event.offer': { $in: ['a', 'c'] } }, points: 1 }] },
        audiences: [{ id: 'aud', when: { audiences: { $ne: 'au' } }, days: 1 }],
      },
      [
        'rules/test.json:scoring.rules[0].when.event.offer: unknown offer "c" (known: a)',
        'rules/test.json:offers[0].when.$or[0].stage: unknown stage "custmer" (known: lead)',
        'rules/test.json:offers[0].when.$or[1].segments: unknown segment "vipp" (known: vip)',
        'rules/test.json:offers[0].when.score.products.heloc: unknown product "heloc" (known: mortgage)',
        'rules/test.json:offers[0].when.offers.b.clicks: unknown offer "b" (known: a)',
        'rules/test.json:audiences[0].when.audiences: unknown audience "au" (known: aud)',
      ],
    ],
    [
      'stages after a catch-all',
      {
        ...base,
        stages: [
          { id: 'lead', when: { identified: true } },
          { id: 'anonymous' },
          { id: 'engaged', when: { 'counters.pages': { $gte: 2 } } },
        ],
      },
      ['rules/test.json:stages[2]: unreachable: stages[1] ("anonymous") has no condition and matches everyone first'],
    ],
    [
      'a last stage with a condition',
      {
        ...base,
        stages: [
          { id: 'lead', when: { identified: true } },
          { id: 'engaged', when: { 'counters.pages': { $gte: 2 } } },
        ],
      },
      [
        'rules/test.json:stages[1].when: the last stage must have no "when" (a catch-all): a visitor who matches no stage would have none',
      ],
    ],
    [
      'event.* where there is no event',
      {
        ...base,
        stages: [{ id: 'lead', when: { 'event.type': 'identify' } }, { id: 'anonymous' }],
        segments: [
          { id: 'paid', when: { $or: [{ 'request.utm.medium': 'cpc' }, { 'event.props.gclid': { $exists: true } }] } },
          { id: 'jumbo', sticky: true, when: { 'event.props.loan_bucket': '800k+' } },
        ],
        offers: [
          {
            id: 'a',
            slots: ['hero'],
            banner,
            when: { 'event.name': 'calculator_used' },
            unless: { $not: { event: { $exists: false } } },
          },
        ],
        audiences: [{ id: 'x', when: { 'event.type': 'track' }, exit_when: { 'event.name': 'done' }, days: 1 }],
        scoring: { rules: [{ id: 'r', when: { 'event.type': 'page' }, points: 1 }] },
      },
      [
        'rules/test.json:stages[0].when.event.type: stages are decided again without an event (event.* missing): a stage entered on an event would not last',
        'rules/test.json:segments[0].when.$or[1].event.props.gclid: segments are decided again without an event (event.* missing): make it sticky to keep the visitor in it after the event',
        'rules/test.json:offers[0].when.event.name: offers are chosen without an event: event.* is always missing here',
        'rules/test.json:offers[0].unless.$not.event: offers are chosen without an event: event.* is always missing here',
      ],
    ],
    [
      'schema errors, and every other problem in what passes the schema (but no guesses about what does not)',
      {
        origins: 'https://acme.example',
        products: [{ id: 'mortgage' }, { id: 'card', value: -1 }],
        stages: [{ id: 'lead', when: { identified: true } }],
        segments: 'vip',
        offers: [
          {
            id: 'a',
            slots: ['hero'],
            banner,
            product: 'card',
            segments: ['vip'],
            stages: ['leed'],
            when: { 'counters.pages': { $gte: 1, $bogus: 1 } },
          },
          { id: 'b', slots: [], banner, product: 'nope', when: { $bogus: 1 } },
          { id: 'a', slots: ['hero'], banner },
        ],
        scoring: { half_life_days: 0, rules: [{ id: 'r', when: { 'event.type': 'pageview' }, points: 1 }] },
      },
      [
        'rules/test.json:origins: Invalid input: expected array, received string',
        'rules/test.json:products[1].value: Too small: expected number to be >0',
        'rules/test.json:scoring.half_life_days: Too small: expected number to be >0',
        'rules/test.json:segments: Invalid input: expected array, received string',
        'rules/test.json:offers[1].slots: Too small: expected array to have >=1 items',
        'rules/test.json:offers[0].when.counters.pages.$bogus: unknown operator "$bogus"',
        'rules/test.json:offers[2].id: duplicate id "a" (first at offers[0])',
        'rules/test.json:stages[0].when: the last stage must have no "when" (a catch-all): a visitor who matches no stage would have none',
        'rules/test.json:scoring.rules[0].when: can never match: event.type "pageview" is not one of page, form, track, offer, identify',
        'rules/test.json:offers[0].stages[0]: unknown stage "leed" (known: lead)',
      ],
    ],
    [
      'a learn_by field listed twice, and segments learned where the rules declare none',
      { ...base, learn_by: ['stage', 'stage'], offers: [{ id: 'a', slots: ['hero'], banner, learn_by: ['segments'] }] },
      [
        'rules/test.json:learn_by[1]: "stage" is listed twice (first at learn_by[0])',
        'rules/test.json:offers[0].learn_by[0]: learns by segments, but the rules declare no segments',
      ],
    ],
    [
      'zero points',
      { ...base, scoring: { rules: [{ id: 'a', when: {}, points: 0 }] } },
      ['rules/test.json:scoring.rules[0].points: expected non-zero points'],
    ],
  ])('reports %s', (_name, rules, expected) => {
    expect(problems(rules)).toEqual(expected);
  });

  it('reports a condition nested thousands deep as a problem, in every section that holds one', () => {
    let deep: Record<string, unknown> = { identified: true };
    for (let i = 0; i < 5000; i += 1) deep = i % 2 ? { $not: deep } : { $and: [deep] };
    const rules = {
      ...base,
      segments: [{ id: 's', when: deep }],
      offers: [{ id: 'a', slots: ['hero'], banner, when: { stage: 'x' }, unless: deep }],
    };
    expect(problems(rules).map((line) => line.replace(/(\.\$not|\.\$and\[0\])+/, '…'))).toEqual([
      'rules/test.json:offers[0].unless….$and: nested more than 32 levels deep',
      'rules/test.json:segments[0].when….$and: nested more than 32 levels deep',
      'rules/test.json:offers[0].when.stage: unknown stage "x" (known: no stages are defined)',
    ]);
  });

  it('accepts every rules file in rules/', () => {
    expect(problems(JSON.parse(readFileSync('rules/demo.json', 'utf8')))).toEqual([]);
  });
});
