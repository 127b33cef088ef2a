// The zod schema of a site's rules file (rules/<site>.json): the single source of truth for what
// landing-page builders may write. rules.schema.json is generated from it for editors.
import { z } from 'zod';
import { Name } from '../worker/schema/events';
import { Banner } from '../worker/schema/decision';

/** A MongoDB-style query over the visitor context, compiled once by worker/engine/conditions.ts. */
export const Condition = z.record(z.string(), z.unknown());
export type Condition = z.infer<typeof Condition>;

export const Offer = z.strictObject({
  id: Name,
  slots: z.array(Name).min(1),
  when: Condition.default({}),
  banner: Banner,
});

export const RulesFile = z.strictObject({
  $schema: z.string().optional(),
  /** Page origins allowed to send events (CORS), e.g. "https://www.acme-lending.example". */
  origins: z.array(z.url({ protocol: /^https?$/ })),
  offers: z.array(Offer).default([]),
});
export type RulesFile = z.infer<typeof RulesFile>;
