// The zod schema of a site's rules file (rules/<site>.json): the single source of truth for what
// landing-page builders may write. rules.schema.json is generated from it for editors; checks
// that span sections (unknown ids, weights that do not add up) live in rules/references.ts.
// Every field carries `z.describe()` (Markdown: an editor shows it on hover and completion), and
// each section `examples`: test/unit/rules/editor.test.ts fails on a field left undescribed.
import * as z from '../worker/lib/zod';
import { Name } from '../worker/schema/events';
import { Banner, Theme } from '../worker/schema/decision';
import { isTimeZone } from '../worker/lib/zone';

/**
 * A MongoDB-style query over the visitor context (see rules/README.md), compiled once by
 * worker/engine/conditions.ts. Its operators are checked there, where unknown ones get a path; the
 * JSON Schema gets what an editor needs to complete and check them from rules/condition-schema.ts,
 * added where it is generated.
 */
export const Condition = z.meta(z.record(z.string(), z.unknown()), {
  id: 'condition',
  description:
    'A GrowthBook-style (MongoDB-style) query over the visitor context: `{"path": value}` or `{"path": {"$operator": argument}}`, combined with `$and`, `$or`, `$nor`, `$not`. See rules/README.md, "Conditions".',
  examples: [{ 'score.total': { $gte: 40 } }, { 'request.path': { $regex: '^/rates' }, 'request.device': 'mobile' }],
});
export type Condition = z.infer<typeof Condition>;

export const ConsentKind = z.describe(
  z.enum(['analytics', 'personalization', 'ads']),
  'A purpose the visitor consents to: `analytics`, `personalization` or `ads`.',
);
export type ConsentKind = z.infer<typeof ConsentKind>;

const Share = z.number().check(z.gte(0), z.lte(1));
const Positive = z.number().check(z.positive());
// Bounds keep every product of scores, values and weights finite: one Infinity would turn the
// score into NaN for good. They are far above anything a marketer writes.
const Magnitude = (max: number) => Positive.check(z.lte(max));
const Count = z.number().check(z.int(), z.positive());

export const Product = z.strictObject({
  id: z.describe(Name, 'The product id that scoring rules and offers refer to, e.g. `mortgage`.'),
  label: z.describe(z.optional(z.string().check(z.maxLength(100))), 'A readable name, e.g. "Jumbo mortgage".'),
  value: z.describe(
    z._default(Magnitude(1e6), 1),
    'What a conversion is worth, relative to other products; offers inherit it as their value.',
  ),
  taken_when: z.describe(
    z.optional(Condition),
    'The person takes the product when an event matches, e.g. {"event.name": "loan_funded", "event.props.product": "mortgage"}; the profile then holds it (`products.held`) and offers for it that they saw count a conversion.',
  ),
  closed_when: z.describe(
    z.optional(Condition),
    'The person no longer holds the product when an event matches (e.g. the loan paid off); all products closed counts as churn.',
  ),
});

export const ScoreRule = z.strictObject({
  id: z.describe(Name, 'The rule id; reasons name it unless `reason` is given.'),
  when: z.describe(Condition, 'Matched against the context of each incoming event (`event.*` is that event).'),
  points: z.describe(
    z.number().check(
      z.gte(-10_000),
      z.lte(10_000),
      z.refine((points) => points !== 0, 'expected non-zero points'),
    ),
    'Intent points added each time the rule matches (negative to subtract); they decay with the half-life.',
  ),
  product: z.describe(z.optional(Name), 'The product the points count for, too (`score.products.<id>`).'),
  max_per_day: z.describe(z.optional(Count), 'How often the rule may fire per UTC day.'),
  reason: z.describe(
    z.optional(z.string().check(z.maxLength(120))),
    "What a marketer reads in the profile's reasons; defaults to the rule id.",
  ),
});

export const Scoring = z.strictObject({
  half_life_days: z.describe(
    z._default(Magnitude(3650), 14),
    "Points lose half their weight after this many days: last month's interest fades.",
  ),
  rules: z.describe(
    z._default(z.array(ScoreRule), []),
    'Scoring rules: each event is matched against every rule that pins its `event.type`, and the rest.',
  ),
});

export const Stage = z.strictObject({
  id: z.describe(Name, 'The stage id, read by `stage` in conditions and `stages` of offers.'),
  label: z.describe(z.optional(z.string().check(z.maxLength(100))), 'A readable name, e.g. "Applicant".'),
  when: z.describe(
    z._default(Condition, {}),
    'Stages are tried top to bottom and the first match wins: list the most advanced first.',
  ),
});

export const Segment = z.strictObject({
  id: z.describe(Name, 'The segment id, read by `segments` in conditions and offers.'),
  description: z.describe(
    z.optional(z.string().check(z.maxLength(200))),
    'What the segment means, for the people who read the rules.',
  ),
  when: z.describe(Condition, 'The visitor is in the segment while this matches.'),
  sticky: z.describe(z._default(z.boolean(), false), 'Once in, always in (e.g. "used the calculator for a jumbo loan").'),
});

export const Variant = z.strictObject({
  id: z.describe(Name, 'The variant id, recorded with each impression and click.'),
  weight: z.describe(Share, "Share of all visitors; with the offer's holdout the shares add up to 1."),
  banner: z.describe(z.optional(z.partial(Banner)), "Replaces fields of the offer's banner for this variant."),
});

export const Caps = z.strictObject({
  per_day: z.describe(z.optional(Count), 'Impressions per visitor per UTC day.'),
  total: z.describe(z.optional(Count), 'Impressions per visitor, ever.'),
  dismiss_cooldown_hours: z.describe(z.optional(Positive), 'Hours to stay away after the visitor dismissed the offer.'),
});

/** What a learned rate may depend on: the visitor's stage, their segments (as a set), their device class. */
export const LearnBy = z.enum(['stage', 'segments', 'device']);
export type LearnBy = z.infer<typeof LearnBy>;
const LearnByList = z.array(LearnBy).check(z.maxLength(3));

export const Offer = z.strictObject({
  id: z.describe(Name, 'The offer id, recorded with each impression, click and conversion.'),
  slots: z.describe(
    z.array(Name).check(z.minLength(1)),
    'The page slots (`data-nb-slot`) the offer may fill; it fills at most one per page.',
  ),
  product: z.describe(z.optional(Name), "The product the offer sells: its value is the offer's default."),
  when: z.describe(z._default(Condition, {}), 'Eligibility: the offer competes only while this matches (default: always).'),
  unless: z.describe(z.optional(Condition), 'Exclusion: the offer is not shown while this matches.'),
  stages: z.describe(z.optional(z.array(Name).check(z.minLength(1))), 'Shown only in these stages.'),
  segments: z.describe(z.optional(z.array(Name).check(z.minLength(1))), 'Shown only to members of any of these segments.'),
  requires_consent: z.describe(z.optional(ConsentKind), 'Shown only after an explicit yes to this consent.'),
  because: z.describe(
    z.optional(z.string().check(z.maxLength(200))),
    'Readable reason, with {dotted.path} placeholders filled from the context.',
  ),
  value: z.describe(z.optional(Magnitude(1e6)), "Defaults to the product's value, or 1."),
  weight: z.describe(z._default(Magnitude(1000), 1), 'Priority = propensity × value × weight.'),
  propensity: z.describe(
    z._default(z.number().check(z.gt(0), z.lt(1)), 0.05),
    'Prior click (or convert) rate before any observations.',
  ),
  prior_strength: z.describe(
    z._default(Magnitude(1e6), 20),
    'How many observations the prior is worth: larger trusts the base rate longer.',
  ),
  goal: z.describe(
    z._default(z.enum(['click', 'convert']), 'convert'),
    'What counts as success for the learned propensity. `convert` (the default): a click is worth something only through the conversions it leads to; while an offer has few conversions its click rate informs the estimate through a prior (rules/README.md, "Learned propensity").',
  ),
  learn_by: z.meta(z.optional(LearnByList), {
    description:
      "What the learned rate depends on, overriding the site's `learn_by`: the offer's rate is learned per context (e.g. per stage) and shrunk toward its overall rate by how much each context has been seen. `[]` learns one rate for everyone.",
    examples: [['stage', 'segments']],
  }),
  holdout_mode: z.meta(z._default(z.enum(['next_best', 'empty']), 'next_best'), {
    description:
      'What a held-out visitor sees: `next_best` (the default) the offer that would have come second, so the lift is this offer against the runner-up; `empty` nothing, so the lift is this offer against no offer.',
    examples: ['next_best'],
  }),
  explore: z.describe(z._default(z.boolean(), false), 'Thompson sampling instead of the posterior mean.'),
  caps: z.describe(z._default(Caps, {}), 'Impressions per UTC day and in total; cooldown after a dismiss.'),
  suppress_after_convert: z.describe(z._default(z.boolean(), true), 'Never shown again once converted.'),
  holdout: z.describe(
    z._default(z.number().check(z.gte(0), z.lt(1)), 0),
    'Share of visitors held out: recorded with holdout: true, shown the runner-up or nothing (`holdout_mode`).',
  ),
  variants: z.describe(z.optional(z.array(Variant).check(z.minLength(1))), 'A/B variants; weights plus holdout add up to 1.'),
  banner: z.describe(Banner, 'What the visitor sees.'),
});
export type Offer = z.infer<typeof Offer>;

const HTTPS_ONLY = 'expected an https:// URL (plain http:// only to localhost or 127.0.0.1, for development)';
const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
/**
 * An audience's receiver: members' ids travel in the body, so never over plain http except to this
 * machine. The pattern is what editors check; the refinement reads the host as a URL does, so that
 * `http://localhost:80@evil.example/` is not taken for localhost.
 */
const WebhookUrl = z.meta(
  z.url({ protocol: /^https?$/ }).check(
    z.regex(/^(?:https:\/\/|http:\/\/(?:localhost|127\.0\.0\.1|\[::1\])(?:[:/?#]|$))/, { message: HTTPS_ONLY, abort: true }),
    z.refine((url) => {
      const { protocol, hostname } = new URL(url);
      return protocol === 'https:' || LOCAL_HOSTS.has(hostname);
    }, HTTPS_ONLY),
  ),
  { format: 'uri' },
);

export const Audience = z.strictObject({
  id: z.describe(Name, 'The audience id, as the ad platform receives it.'),
  description: z.describe(
    z.optional(z.string().check(z.maxLength(200))),
    'What the audience means, for the people who read the rules.',
  ),
  when: z.describe(Condition, 'The visitor joins (or stays in) the audience when this matches.'),
  days: z.describe(
    Count.check(z.lte(730)),
    'Membership lasts this many days after the last match (at most 730). `rules check` warns past what the ad platforms keep: 540 days (Google Ads), 180 (Meta website custom audiences).',
  ),
  requires_consent: z.describe(
    z.optional(ConsentKind),
    'Joins only after an explicit yes to this consent (ads, for ad platforms).',
  ),
  exit_when: z.describe(
    z.optional(Condition),
    'Leaves as soon as this matches (e.g. the application was submitted), and never re-joins.',
  ),
  webhook: z.describe(
    z.optional(WebhookUrl),
    "Receives POSTed JSON batches of joins and leaves, each with a `delivery_id`, signed with HMAC-SHA256 under the site's webhook secret (NB_WEBHOOK_SECRETS, else NB_WEBHOOK_SECRET). `https://` only; plain `http://` only to localhost, for development.",
  ),
  policy_category: z.describe(
    z.optional(z.enum(['credit', 'other', 'none'])),
    'What the audience\'s ads promote, for the ad-policy lint of `rules check`: `credit` (mortgages, refinancing, HELOCs, cards, loans: no targeting by age, gender, ZIP/postal code, marital or parental status), `other` (anything else), `none` (never sent to an ad platform, e.g. only to a CRM\'s webhook: not linted). Left out, an audience is for credit when its id, description or condition names a credit product, or when the site lists one. See rules/README.md, "Ad-policy lint".',
  ),
});

export const FormLabels = z.strictObject({
  id: z.describe(Name, 'The form, as its markup names it (data-nb-form).'),
  steps: z.describe(
    z.array(z.string().check(z.minLength(1), z.maxLength(60))).check(z.minLength(1), z.maxLength(50)),
    'Step labels in order (step 1 first): the funnel shows these instead of the labels the pages sent.',
  ),
});

/** A site path as the dashboard groups it: starts with a slash. */
const SitePath = z.string().check(z.regex(/^\//, 'expected a path starting with /'), z.maxLength(300));
export const Lifecycle = z.strictObject({
  activated_when: z.describe(
    z.optional(Condition),
    'A customer is activated when an event matches this (e.g. the card activated, a first payment); without it there is no activation rate.',
  ),
  activation_days: z.describe(
    z._default(Count.check(z.lte(365)), 30),
    'Activation counts when it happens within this many days of becoming a customer.',
  ),
  dormant_days: z.describe(
    z._default(Count.check(z.lte(730)), 90),
    'A customer with no activity for longer than this is dormant (churned); activity after that is a win-back.',
  ),
  referral_param: z.describe(
    z._default(Name, 'ref'),
    "The URL query parameter that carries a referral code (the referrer's uid).",
  ),
  currency: z.describe(
    z._default(z.string().check(z.regex(/^[A-Z]{3}$/, 'expected an ISO 4217 code such as "USD"')), 'USD'),
    'The currency of CLV and spend; amounts in another currency are counted apart, not summed.',
  ),
});
export type Lifecycle = z.infer<typeof Lifecycle>;

export const RulesFile = z.strictObject({
  $schema: z.describe(z.optional(z.string()), '`"./rules.schema.json"`: lets an editor complete and check this file.'),
  origins: z.meta(z.array(z.url({ protocol: /^https?$/ })), {
    description: 'Page origins allowed to send events (CORS), e.g. "https://www.acme-lending.example".',
    examples: [['https://www.acme-lending.example', 'https://apply.acme-lending.example']],
  }),
  slots: z.meta(z.optional(z.array(Name)), {
    description: "The slots the site's pages declare (data-nb-slot); when listed, offers may use only these.",
    examples: [['hero', 'sidebar']],
  }),
  products: z.meta(z._default(z.array(Product), []), {
    description: 'Products that scores and offers refer to.',
    examples: [[{ id: 'mortgage', label: 'Mortgage', value: 10 }]],
  }),
  scoring: z.meta(z._default(Scoring, { half_life_days: 14, rules: [] }), {
    description: 'Intent points per event, decaying with a half-life.',
    examples: [
      {
        half_life_days: 14,
        rules: [{ id: 'rates-page', when: { 'event.type': 'page', 'request.path': { $regex: '^/rates' } }, points: 5 }],
      },
    ],
  }),
  stages: z.meta(z._default(z.array(Stage), []), {
    description: 'Lifecycle stages, most advanced first; the first match wins and the last needs no `when`.',
    examples: [[{ id: 'applicant', when: { 'forms.mortgage-app.started': true } }, { id: 'visitor' }]],
  }),
  segments: z.meta(z._default(z.array(Segment), []), {
    description: 'Every matching segment applies.',
    examples: [[{ id: 'jumbo', when: { 'event.props.loan_amount': { $gt: 766550 } }, sticky: true }]],
  }),
  offers: z.meta(z._default(z.array(Offer), []), {
    description: 'Next-best offers per page slot.',
    examples: [
      [
        {
          id: 'finish-app',
          slots: ['hero'],
          when: { 'forms.mortgage-app.abandoned': true },
          banner: { title: 'Finish your application', placement: 'slot' },
        },
      ],
    ],
  }),
  audiences: z.meta(z._default(z.array(Audience), []), {
    description: 'Retargeting audiences for ad platforms.',
    examples: [
      [
        {
          id: 'abandoners',
          when: { 'forms.mortgage-app.abandoned': true },
          days: 30,
          requires_consent: 'ads',
          policy_category: 'credit',
        },
      ],
    ],
  }),
  timezone: z.meta(
    z.optional(
      z.string().check(z.refine(isTimeZone, 'expected an IANA time zone such as "Europe/London" or "America/New_York"')),
    ),
    {
      description:
        'The time zone the dashboard and /v1/stats count days in (IANA name, e.g. "America/New_York"); UTC when left out. Rows rolled up before a change keep the days they were counted in.',
      examples: ['America/New_York'],
    },
  ),
  forms: z.meta(z.optional(z.array(FormLabels)), {
    description: "Step labels of the site's multi-step forms; a form not listed takes the labels its pages sent in the range.",
    examples: [[{ id: 'mortgage-app', steps: ['Property', 'Income', 'Review'] }]],
  }),
  path_aliases: z.meta(z.optional(z.record(SitePath, SitePath)), {
    description:
      'Pages the dashboard counts as one: each path (after index files, .html and trailing slashes are dropped) maps to the path to show, e.g. {"/apply-now": "/apply"}.',
    examples: [{ '/apply-now': '/apply' }],
  }),
  theme: z.meta(z.optional(Theme), {
    description:
      "The banners' look on every page of the site: defaults that the page's own `--nb-*` CSS custom properties override (snippet/README.md, \"Theming\"). Without it banners take the page's font and text colour and a neutral frame.",
    examples: [{ accent: '#0e7c7b', accent_text: '#ffffff', radius: '8px', spacing: '1em' }],
  }),
  test_origins: z.meta(z.optional(z.array(z.url({ protocol: /^https?$/ })).check(z.maxLength(20))), {
    description:
      'Origins of QA environments (e.g. a staging site) whose headless browsers may send events with `data-nb-debug="true"`: the bot filter lets them through for this site only. List them in `origins` too.',
    examples: [['https://staging.acme-lending.example']],
  }),
  learn_by: z.meta(z._default(LearnByList, ['stage']), {
    description:
      "What every offer's learned rate depends on unless the offer says otherwise: `stage`, `segments` (the set the visitor is in), `device`. `[]` learns one rate per offer and arm for everyone.",
    examples: [['stage'], ['stage', 'segments']],
  }),
  lifecycle: z.meta(
    z._default(Lifecycle, {
      activation_days: 30,
      dormant_days: 90,
      referral_param: 'ref',
      currency: 'USD',
    }),
    {
      description: 'After the sale: activation, dormancy, referrals and the currency of revenue (see /v1/stats lifecycle).',
      examples: [{ activated_when: { 'event.name': 'card_activated' }, activation_days: 30, dormant_days: 90, currency: 'USD' }],
    },
  ),
});
export type RulesFile = z.infer<typeof RulesFile>;
/** What a person writes (defaults not yet applied): what tests and generators build. */
export type RulesInput = z.input<typeof RulesFile>;
