// What an editor knows about a condition (`when`, `unless`, `exit_when`): the operators it may
// complete, each with what it does and the argument it takes, and the context paths a condition's
// keys name. Only the JSON Schema uses this: the zod schema accepts any object and the compiler
// (worker/engine/conditions.ts) checks it, so that every problem gets a path and one message. The
// operator list is the compiler's: a new operator without a line here does not type-check.
import * as z from '../worker/lib/zod';
import { LOGICAL_OPERATORS, TYPES, type Operator } from '../worker/engine/conditions';
import { Condition } from './schema';

type JsonSchema = Record<string, unknown>;

const CONDITION = '#/$defs/condition';
const FIELD = `${CONDITION}/$defs/field`;
const OPERATORS = `${CONDITION}/$defs/operators`;

const list = { type: 'array', description: 'A list of values.' };
const ordered = { type: ['number', 'string'] };
const version = { type: ['string', 'number'] };
const pattern = { type: 'string' };

/** Each field operator: what it does, and the JSON Schema of its argument. */
const FIELD_OPERATORS: Record<Operator, [description: string, argument: JsonSchema]> = {
  $eq: ['Equals this value (strict: `"34"` does not equal `34`).', {}],
  $ne: ['Does not equal this value; an array must hold no element that equals it.', {}],
  $in: ['Equals one of the listed values; an array value needs one element in the list.', list],
  $nin: ['Equals none of the listed values.', list],
  $ini: ['`$in`, ignoring the case of strings: `{"$ini": ["us", "ca"]}` matches `"US"`.', list],
  $nini: ['`$nin`, ignoring the case of strings.', list],
  $gt: ['Greater than. Two strings compare by characters, anything else as numbers (missing counts as 0).', ordered],
  $gte: ['Greater than or equal to (see `$gt`).', ordered],
  $lt: ['Less than. A missing path counts as 0: add `"$exists": true` when absence should not match.', ordered],
  $lte: ['Less than or equal to (see `$lt`).', ordered],
  $veq: ['The same version, e.g. `{"$veq": "2.4.0"}` matches `"v2.4.0+b7"`.', version],
  $vne: ['Another version than this one.', version],
  $vgt: ['A later version: `1.10.0` is later than `1.9.0`, and `1.0.0` than `1.0.0-rc.1`.', version],
  $vgte: ['This version or a later one.', version],
  $vlt: ['An earlier version.', version],
  $vlte: ['This version or an earlier one.', version],
  $regex: ['Matches this regular expression; `$options` beside it adds flags. Unsafe patterns are refused.', pattern],
  $regexi: ['Matches this regular expression, ignoring case.', pattern],
  $exists: ['`true`: the path holds a value other than null; `false`: it is missing or null.', { type: 'boolean' }],
  $type: ['The value is of this type (a missing path reads as `null`).', { enum: [...TYPES] }],
  $size: [
    'An array of this many elements, or whose length passes these operators (`{"$size": {"$gte": 2}}`).',
    { anyOf: [{ type: 'integer', minimum: 0 }, { $ref: OPERATORS }] },
  ],
  $all: [
    'An array that holds every listed value (or a match for every listed condition).',
    { type: 'array', items: { $ref: FIELD } },
  ],
  $alli: ['`$all`, ignoring the case of strings.', { type: 'array', items: { $ref: FIELD } }],
  $elemMatch: [
    'An array with one element that passes all of this: operators (`{"$gt": 5}`) or fields of the element.',
    { anyOf: [{ $ref: OPERATORS }, { $ref: CONDITION }] },
  ],
  $not: ['Inverts a field condition: `{"$not": {"$regex": "^/apply"}}`.', { $ref: FIELD }],
};

const LOGICAL: Record<(typeof LOGICAL_OPERATORS)[number], [description: string, argument: JsonSchema]> = {
  $and: ['Every condition in the list matches.', { type: 'array', items: { $ref: CONDITION } }],
  $or: ['At least one condition in the list matches (an empty list matches).', { type: 'array', items: { $ref: CONDITION } }],
  $nor: ['No condition in the list matches.', { type: 'array', items: { $ref: CONDITION } }],
  $not: ['The condition does not match.', { $ref: CONDITION }],
};

/**
 * The paths of the context every `when` sees (rules/README.md, "The context every `when` sees"),
 * offered as keys of a condition. test/unit/rules/editor.test.ts checks each against a real context.
 */
export const CONTEXT_PATHS: Record<string, string> = {
  'score.total': 'The decayed intent score now (a number).',
  stage: "The visitor's lifecycle stage id (in a stage's own `when`, the previous stage).",
  stage_days: 'Days (with fractions) since the visitor entered the current stage.',
  segments: 'The ids of the segments the visitor is in: `{"segments": "vip"}` tests membership.',
  audiences: 'The ids of the audiences the visitor belongs to.',
  'request.path': 'The path of the page being viewed, e.g. `/rates/jumbo`.',
  'request.host': 'The host of the page being viewed.',
  'request.url': 'The full URL of the page being viewed.',
  'request.referrer': 'The referrer of the page being viewed.',
  'request.device': 'The device class: `mobile`, `tablet` or `desktop`.',
  'request.country': 'The ISO country code of the request, e.g. `US`.',
  'request.utm.source': 'The `utm_source` of the page being viewed.',
  'request.utm.medium': 'The `utm_medium` of the page being viewed.',
  'request.utm.campaign': 'The `utm_campaign` of the page being viewed.',
  'request.utm.term': 'The `utm_term` of the page being viewed.',
  'request.utm.content': 'The `utm_content` of the page being viewed.',
  'counters.events': 'Events the visitor has sent, ever.',
  'counters.pages': 'Pages the visitor has viewed, ever.',
  'counters.forms': 'Form events the visitor has sent, ever.',
  'counters.tracks': '`track` events the visitor has sent, ever.',
  'counters.offers': 'Offer events (impressions, clicks…) the visitor has sent, ever.',
  'rfm.recency_days': 'Days (with fractions) since the visitor was last seen.',
  'rfm.frequency': 'UTC days on which the visitor was active.',
  'rfm.monetary': 'The sum of `props.amount` over the visitor’s events.',
  'rfm.purchases': 'How many events carried a `props.amount`.',
  identified: 'Whether the visitor has been identified (an `identify` event).',
  'consent.analytics': 'The visitor’s answer for analytics consent, when given.',
  'consent.personalization': 'The visitor’s answer for personalization consent, when given.',
  'consent.ads': 'The visitor’s answer for ads consent, when given.',
  'first_touch.source': 'The `utm_source` of the visitor’s first visit.',
  'first_touch.medium': 'The `utm_medium` of the visitor’s first visit.',
  'first_touch.campaign': 'The `utm_campaign` of the visitor’s first visit.',
  'first_touch.term': 'The `utm_term` of the visitor’s first visit.',
  'first_touch.content': 'The `utm_content` of the visitor’s first visit.',
  days_since_first_seen: 'Days (with fractions) since the visitor’s first event.',
  'time.hour': 'The hour now, UTC (0–23).',
  'time.weekday': 'The weekday now, UTC (0 is Sunday).',
  'event.type':
    'The type of the event being applied: `page`, `form`, `track`, `offer` or `identify`. Only where an event is applied: scoring rules, audiences, sticky segments.',
  'event.name': 'The name of the `track` event being applied.',
  'event.url': 'The URL of the event being applied.',
  'event.form': 'The form id of the `form` event being applied.',
  'event.action':
    'The action of the `form` event (`start`, `step`, `submit`, `abandon`) or `offer` event (`impression`, `click`, `dismiss`, `convert`) being applied.',
  'event.step': 'The step number of the `form` event being applied.',
  'event.offer': 'The offer id of the `offer` event being applied.',
  'event.variant': 'The variant id of the `offer` event being applied.',
};

/** Context paths with an id inside, as patterns: an editor explains them on hover. */
export const CONTEXT_PATTERNS: Record<string, string> = {
  '^score\\.products\\.[^.]+$': '`score.products.<id>`: the decayed intent score of one product.',
  '^forms\\.[^.]+\\.(started|furthest|steps|submitted|abandoned|abandoned_step|last_at)$':
    '`forms.<id>.started`, `.furthest`, `.steps`, `.submitted`, `.abandoned`, `.abandoned_step`, `.last_at`: progress through one form.',
  '^offers\\.[^.]+\\.[a-z_]+$':
    '`offers.<id>.impressions` (`clicks`, `dismisses`, `converts`, `last_click`…): history with one offer.',
  '^tracks\\.[^.]+$': '`tracks.<name>`: how many times this `track` name was sent (first 50 names).',
  '^event\\.props\\..+$': '`event.props.<name>`: a property of the `track` event being applied.',
};

const described = ([description, schema]: [string, JsonSchema]) => ({ description, ...schema });
const ofField = (description: string) => ({ description, $ref: FIELD });

/**
 * Matches no value: `{ not: {} }` rather than the boolean schema `false`, which means the same to
 * JSON Schema but breaks the OpenAPI conversion of the rules routes' bodies.
 */
const NOTHING = { not: {} };

/**
 * JSON Schema keywords for a condition: its keys complete to the logical operators and the context
 * paths, its values to a value or the field operators, and a key starting with "$" that is no
 * operator (a typo such as `$gtee`) fails validation.
 */
const conditionJsonSchema = {
  properties: {
    ...Object.fromEntries(Object.entries(LOGICAL).map(([name, entry]) => [name, described(entry)])),
    ...Object.fromEntries(Object.entries(CONTEXT_PATHS).map(([path, description]) => [path, ofField(description)])),
  },
  patternProperties: {
    ...Object.fromEntries(Object.entries(CONTEXT_PATTERNS).map(([path, description]) => [path, ofField(description)])),
    [`^\\$(?!(?:${LOGICAL_OPERATORS.map((name) => name.slice(1)).join('|')})$)`]: NOTHING,
  },
  additionalProperties: ofField('A dotted path into the context (see rules/README.md) and the condition on its value.'),
  $defs: {
    field: {
      description: 'A value to equal (`"/apply"`, `3`, `true`, `null`), or an object of operators (`{"$gte": 2, "$lt": 5}`).',
      anyOf: [
        { type: ['string', 'number', 'boolean', 'null', 'array'] },
        { $ref: OPERATORS },
        { type: 'object', patternProperties: { '^\\$': NOTHING }, description: 'An object to equal, field by field.' },
      ],
    },
    operators: {
      type: 'object',
      description: 'Operators on one value; all must pass.',
      properties: {
        ...Object.fromEntries(Object.entries(FIELD_OPERATORS).map(([name, entry]) => [name, described(entry)])),
        $options: { description: 'Flags for `$regex`: any of `i`, `m`, `s`, `u`.', type: 'string', pattern: '^[imsu]*$' },
      },
      additionalProperties: false,
    },
  },
};

/**
 * Adds the keywords to the Condition schema's metadata. Only the generators of rules.schema.json and
 * of the OpenAPI document call this, in Node: the worker never converts a schema, so its bundle
 * leaves the keywords (and the descriptions of every operator and path) out.
 */
export function documentConditions(): void {
  z.globalRegistry.add(Condition, { ...z.globalRegistry.get(Condition), ...conditionJsonSchema });
}
