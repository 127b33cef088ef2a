// The decision the edge returns for a visitor: which banner in which slot, and which ad audiences
// to join or leave. The snippet renders it; API consumers use it in apps, e-mail and ad sync.
import * as z from '../lib/zod';

export const Placement = z.describe(
  z.enum(['slot', 'top-bar', 'slide-in', 'modal']),
  "Where it shows: in the page's slot, or as a top bar, slide-in or modal over the page.",
);
export type Placement = z.infer<typeof Placement>;

export const Banner = z.strictObject({
  title: z.describe(z.string(), 'The headline.'),
  body: z.describe(z.optional(z.string()), 'A line of text under the headline.'),
  cta: z.describe(
    z.optional(
      z.strictObject({
        text: z.describe(z.string(), 'The button text, e.g. "Resume my application".'),
        url: z.describe(
          z.union([
            z.url({ protocol: /^https?$/ }),
            z
              .string()
              .check(
                z.maxLength(2000),
                z.regex(
                  /^(\/(?!\/)|\.\.?\/|\?)\S*$/,
                  'expected an http(s) URL, or a path relative to the page ("/apply", "./apply.html")',
                ),
              ),
          ]),
          'Where the button leads: an http(s) URL, or a path the snippet resolves against the page ("./apply.html?resume=1"), which works on any host and after a deploy.',
        ),
      }),
    ),
    'The call to action: a button.',
  ),
  placement: Placement,
});
export type Banner = z.infer<typeof Banner>;

export const OfferDecision = z.strictObject({
  slot: z.string(),
  offer: z.string(),
  variant: z.optional(z.string()),
  holdout: z.boolean(),
  /** Absent for a holdout visitor: recorded, not shown. */
  banner: z.optional(Banner),
  /** The offer's dismiss cooldown: a browser that dismissed it keeps it away this long, then forgets. */
  dismiss_hours: z.optional(z.number().check(z.positive())),
  reasons: z.array(z.string()),
});
export type OfferDecision = z.infer<typeof OfferDecision>;

/** A CSS colour the snippet may put into a style: hex, a name, or rgb()/hsl() with numbers only. */
const CssColor = z
  .string()
  .check(
    z.maxLength(40),
    z.regex(/^(#[0-9a-fA-F]{3,8}|[a-zA-Z]+|(rgb|hsl)a?\([\d.,%\s/]+\))$/, 'expected a CSS colour such as "#0e7c7b" or "teal"'),
  );
const CssLength = z
  .string()
  .check(z.maxLength(12), z.regex(/^\d+(\.\d+)?(px|em|rem)$/, 'expected a CSS length such as "8px" or "1em"'));

export const Theme = z.meta(
  z.strictObject({
    accent: z.describe(z.optional(CssColor), "The call to action's background (`--nb-accent`)."),
    accent_text: z.describe(z.optional(CssColor), "The call to action's text colour (`--nb-accent-text`)."),
    background: z.describe(z.optional(CssColor), "The banner's background (`--nb-background`)."),
    border: z.describe(z.optional(CssColor), "The banner's border colour (`--nb-border`)."),
    radius: z.describe(z.optional(CssLength), 'Corner radius of the banner and its button (`--nb-radius`).'),
    spacing: z.describe(z.optional(CssLength), "The banner's inner padding (`--nb-spacing`)."),
  }),
  { id: 'Theme' },
);
export type Theme = z.infer<typeof Theme>;

/** The id of one membership change, the same in the webhook delivery (worker/engine/audience-events.ts). */
const EventId = z.describe(
  z.string().check(z.regex(/^[0-9a-f]{32}$/)),
  "The change's id: give it to your pixel as its event id, so the platform counts the browser and server copies once.",
);
export const AudienceJoin = z.strictObject({ id: z.string(), expires: z.number(), event_id: EventId });
export const AudienceLeave = z.strictObject({ id: z.string(), event_id: EventId });

export const Decision = z.meta(
  z.strictObject({
    vid: z.string(),
    stage: z.string(),
    segments: z.array(z.string()),
    score: z.strictObject({ total: z.number(), products: z.record(z.string(), z.number()) }),
    offers: z.array(OfferDecision),
    audiences: z.strictObject({ join: z.array(AudienceJoin), leave: z.array(AudienceLeave) }),
    /** The site's banner theme (rules `theme`): defaults that the page's own --nb-* CSS properties override. */
    theme: z.optional(Theme),
  }),
  { id: 'Decision' },
);
export type Decision = z.infer<typeof Decision>;
