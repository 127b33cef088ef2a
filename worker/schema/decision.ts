// The decision the edge returns for a visitor: which banner in which slot, and which ad audiences
// to join or leave. The snippet renders it; API consumers use it in apps, e-mail and ad sync.
import { z } from 'zod';

export const Placement = z
  .enum(['slot', 'top-bar', 'slide-in', 'modal'])
  .describe("Where it shows: in the page's slot, or as a top bar, slide-in or modal over the page.");
export type Placement = z.infer<typeof Placement>;

export const Banner = z.strictObject({
  title: z.string().describe('The headline.'),
  body: z.string().optional().describe('A line of text under the headline.'),
  cta: z
    .strictObject({
      text: z.string().describe('The button text, e.g. "Resume my application".'),
      url: z.url({ protocol: /^https?$/ }).describe('Where the button leads (http or https).'),
    })
    .optional()
    .describe('The call to action: a button.'),
  placement: Placement,
});
export type Banner = z.infer<typeof Banner>;

export const OfferDecision = z.strictObject({
  slot: z.string(),
  offer: z.string(),
  variant: z.string().optional(),
  holdout: z.boolean(),
  /** Absent for a holdout visitor: recorded, not shown. */
  banner: Banner.optional(),
  reasons: z.array(z.string()),
});
export type OfferDecision = z.infer<typeof OfferDecision>;

/** The id of one membership change, the same in the webhook delivery (worker/engine/audience-events.ts). */
const EventId = z
  .string()
  .regex(/^[0-9a-f]{32}$/)
  .describe("The change's id: give it to your pixel as its event id, so the platform counts the browser and server copies once.");
export const AudienceJoin = z.strictObject({ id: z.string(), expires: z.number(), event_id: EventId });
export const AudienceLeave = z.strictObject({ id: z.string(), event_id: EventId });

export const Decision = z
  .strictObject({
    vid: z.string(),
    stage: z.string(),
    segments: z.array(z.string()),
    score: z.strictObject({ total: z.number(), products: z.record(z.string(), z.number()) }),
    offers: z.array(OfferDecision),
    audiences: z.strictObject({ join: z.array(AudienceJoin), leave: z.array(AudienceLeave) }),
  })
  .meta({ id: 'Decision' });
export type Decision = z.infer<typeof Decision>;
