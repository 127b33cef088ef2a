// The zod schema of a site's rules file (rules/<site>.json): the single source of truth for what
// landing-page builders may write. rules.schema.json is generated from it for editors; checks
// that span sections (unknown ids, weights that do not add up) live in rules/references.ts.
import { z } from 'zod';
import { Name } from '../worker/schema/events';
import { Banner } from '../worker/schema/decision';

/**
 * A MongoDB-style query over the visitor context (see rules/README.md), compiled once by
 * worker/engine/conditions.ts. Its operators are checked there, where unknown ones get a path.
 */
export const Condition = z
  .record(z.string(), z.unknown())
  .meta({ description: 'MongoDB-style query over the visitor context, e.g. {"score.total": {"$gte": 40}}' });
export type Condition = z.infer<typeof Condition>;

export const ConsentKind = z.enum(['analytics', 'personalization', 'ads']);
export type ConsentKind = z.infer<typeof ConsentKind>;

const Share = z.number().min(0).max(1);
const Positive = z.number().positive().finite();
const Count = z.number().int().positive();

export const Product = z.strictObject({
  id: Name,
  label: z.string().max(100).optional(),
  /** What a conversion is worth, relative to other products; offers inherit it as their value. */
  value: Positive.default(1),
});

export const ScoreRule = z.strictObject({
  id: Name,
  /** Matched against the context of each incoming event (`event.*` is that event). */
  when: Condition,
  points: z.number().finite().refine((points) => points !== 0, 'expected non-zero points'),
  product: Name.optional(),
  max_per_day: Count.optional(),
  /** What a marketer reads in the profile's reasons; defaults to the rule id. */
  reason: z.string().max(120).optional(),
});

export const Scoring = z.strictObject({
  /** Points lose half their weight after this many days: last month's interest fades. */
  half_life_days: Positive.default(14),
  rules: z.array(ScoreRule).default([]),
});

export const Stage = z.strictObject({
  id: Name,
  label: z.string().max(100).optional(),
  /** Stages are tried top to bottom and the first match wins: list the most advanced first. */
  when: Condition.default({}),
});

export const Segment = z.strictObject({
  id: Name,
  description: z.string().max(200).optional(),
  when: Condition,
  /** Once in, always in (e.g. "used the calculator for a jumbo loan"). */
  sticky: z.boolean().default(false),
});

export const Variant = z.strictObject({
  id: Name,
  /** Share of all visitors; with the offer's holdout the shares add up to 1. */
  weight: Share,
  /** Replaces fields of the offer's banner for this variant. */
  banner: Banner.partial().optional(),
});

export const Caps = z.strictObject({
  per_day: Count.optional(),
  total: Count.optional(),
  /** Hours to stay away after the visitor dismissed the offer. */
  dismiss_cooldown_hours: Positive.optional(),
});

export const Offer = z.strictObject({
  id: Name,
  slots: z.array(Name).min(1),
  product: Name.optional(),
  when: Condition.default({}),
  /** Exclusion: the offer is not shown while this matches. */
  unless: Condition.optional(),
  stages: z.array(Name).min(1).optional(),
  segments: z.array(Name).min(1).optional(),
  requires_consent: ConsentKind.optional(),
  /** Readable reason, with {dotted.path} placeholders filled from the context. */
  because: z.string().max(200).optional(),
  /** Defaults to the product's value, or 1. */
  value: Positive.optional(),
  weight: Positive.default(1),
  /** Prior click (or convert) rate before any observations. */
  propensity: z.number().gt(0).lt(1).default(0.05),
  /** How many observations the prior is worth: larger trusts the base rate longer. */
  prior_strength: Positive.default(20),
  goal: z.enum(['click', 'convert']).default('click'),
  /** Thompson sampling instead of the posterior mean. */
  explore: z.boolean().default(false),
  caps: Caps.default({}),
  suppress_after_convert: z.boolean().default(true),
  holdout: z.number().min(0).lt(1).default(0),
  variants: z.array(Variant).min(1).optional(),
  banner: Banner,
});
export type Offer = z.infer<typeof Offer>;

export const Audience = z.strictObject({
  id: Name,
  description: z.string().max(200).optional(),
  when: Condition,
  days: Count.max(540),
  requires_consent: ConsentKind.optional(),
  /** Leaves as soon as this matches (e.g. the application was submitted), and never re-joins. */
  exit_when: Condition.optional(),
});

export const RulesFile = z.strictObject({
  $schema: z.string().optional(),
  /** Page origins allowed to send events (CORS), e.g. "https://www.acme-lending.example". */
  origins: z.array(z.url({ protocol: /^https?$/ })),
  /** The slots the site's pages declare (data-nb-slot); when listed, offers may use only these. */
  slots: z.array(Name).optional(),
  products: z.array(Product).default([]),
  scoring: Scoring.default({ half_life_days: 14, rules: [] }),
  stages: z.array(Stage).default([]),
  segments: z.array(Segment).default([]),
  offers: z.array(Offer).default([]),
  audiences: z.array(Audience).default([]),
});
export type RulesFile = z.infer<typeof RulesFile>;
/** What a person writes (defaults not yet applied): what tests and generators build. */
export type RulesInput = z.input<typeof RulesFile>;
