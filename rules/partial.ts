// A rules file as far as it passes the schema, item by item: when zod refuses the file, `check`
// still runs the condition and cross-reference checks on what did parse, so one run lists every
// problem rather than only the schema's.
import type * as z from '../worker/lib/zod';
import { Audience, Lifecycle, Offer, Product, RulesFile, ScoreRule, Segment, Stage } from './schema';

/** An item that failed the schema is undefined in its place, so every other keeps its path. */
export type Items<T extends readonly unknown[]> = ReadonlyArray<T[number] | undefined>;

/** What the checks read; a RulesFile is one, with no gaps. */
export interface ParsedRules {
  slots?: RulesFile['slots'];
  products: Items<RulesFile['products']>;
  scoring: { rules: Items<RulesFile['scoring']['rules']> };
  stages: Items<RulesFile['stages']>;
  segments: Items<RulesFile['segments']>;
  offers: Items<RulesFile['offers']>;
  audiences: Items<RulesFile['audiences']>;
  lifecycle?: RulesFile['lifecycle'];
  origins?: RulesFile['origins'];
  test_origins?: RulesFile['test_origins'];
  learn_by?: RulesFile['learn_by'];
}

export function parsePartial(json: unknown): ParsedRules {
  const file = isObject(json) ? json : {};
  const scoring = isObject(file.scoring) ? file.scoring : {};
  const slots = RulesFile.shape.slots.safeParse(file.slots);
  return {
    slots: slots.success ? slots.data : undefined,
    origins: RulesFile.shape.origins.safeParse(file.origins).data,
    test_origins: RulesFile.shape.test_origins.safeParse(file.test_origins).data,
    learn_by: RulesFile.shape.learn_by.safeParse(file.learn_by).data,
    products: items(Product, file.products),
    scoring: { rules: items(ScoreRule, scoring.rules) },
    stages: items(Stage, file.stages),
    segments: items(Segment, file.segments),
    offers: items(Offer, file.offers),
    audiences: items(Audience, file.audiences),
    lifecycle: Lifecycle.safeParse(file.lifecycle ?? {}).data,
  };
}

/** A section that is not even a list reads as one failed item: its ids are not all known. */
function items<T>(schema: z.ZodMiniType<T>, value: unknown): Array<T | undefined> {
  if (value === undefined) return [];
  if (!Array.isArray(value)) return [undefined];
  return value.map((item) => {
    const parsed = schema.safeParse(item);
    return parsed.success ? parsed.data : undefined;
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
