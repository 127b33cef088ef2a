// The wire contracts of the live-rules API (/v1/rules/:site…): versions, publishing, rollback and
// the impact preview of a draft. The documents themselves are rules files (rules/schema.ts).
import * as z from '../lib/zod';
import { Name } from './events';

export const RulesParams = z.strictObject({ site: Name });
export const VersionParams = z.strictObject({ site: Name, n: z.coerce.number().check(z.int(), z.gte(1), z.lte(1e9)) });

export const PublishQuery = z.strictObject({
  /** What changed and why, kept with the version. */
  message: z.optional(z.string().check(z.maxLength(500))),
});

export const RollbackRequest = z.strictObject({
  version: z.number().check(z.int(), z.gte(1)),
  message: z.optional(z.string().check(z.maxLength(500))),
});

export const PreviewQuery = z.strictObject({
  /** How many of the visitors active in the last 7 days to replay (at most 1,000). */
  sample: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(1000)), 1000),
});

export const VersionInfo = z.strictObject({
  version: z.number().check(z.int()),
  /** SHA-256 of the document's JSON text as stored. */
  hash: z.string(),
  /** Who published it: `key:` and a digest of the API key, or `bundle` for the deployed file. */
  author: z.string(),
  message: z.string(),
  /** When it was published (ms); null for a bundled file no publish has recorded yet. */
  created_at: z.nullable(z.number()),
});
export type VersionInfo = z.infer<typeof VersionInfo>;

export const RulesVersion = z.meta(
  z.strictObject({
    site: z.string(),
    ...VersionInfo.shape,
    /** `bundled`: the deployed rules/<site>.json, nothing published yet; `published`: a version in D1. */
    source: z.enum(['bundled', 'published']),
    /** Whether this is the version served now. */
    live: z.boolean(),
    rules: z.record(z.string(), z.unknown()),
  }),
  { id: 'RulesVersion' },
);
export type RulesVersion = z.infer<typeof RulesVersion>;

export const RulesVersions = z.strictObject({
  site: z.string(),
  live: z.number().check(z.int()),
  /** Newest first. */
  versions: z.array(VersionInfo),
});

export const Published = z.strictObject({
  site: z.string(),
  version: z.number().check(z.int()),
  hash: z.string(),
  /** True when the document equals the live version: nothing new was recorded. */
  unchanged: z.boolean(),
  /**
   * The ad-policy lint's findings, `path: warning: reason (policy)` (rules/README.md, "Ad-policy
   * lint"): published all the same. A publish is refused for its errors; a rollback lists them here.
   */
  warnings: z.array(z.string()),
});
export type Published = z.infer<typeof Published>;

const Change = z.strictObject({
  /** The visitor (or `uid:<hash>` for an identified person's profile). */
  visitor: z.string(),
  /** For offers: the slot that changes. */
  slot: z.optional(z.string()),
  before: z.string(),
  after: z.string(),
  reasons_before: z.array(z.string()),
  reasons_after: z.array(z.string()),
});
export type Change = z.infer<typeof Change>;

const ChangeKind = z.strictObject({
  /** Visitors for whom this would differ. */
  visitors: z.number().check(z.int()),
  /** "before → after": how many visitors (for offers: visitor-slots) move that way. */
  transitions: z.record(z.string(), z.number().check(z.int())),
  /** Up to 20. */
  examples: z.array(Change),
});
export type ChangeKind = z.infer<typeof ChangeKind>;

export const Preview = z.meta(
  z.strictObject({
    site: z.string(),
    /** The version the draft is compared with. */
    live_version: z.number().check(z.int()),
    sample: z.strictObject({
      window_days: z.number().check(z.int()),
      /** Active visitors asked to replay (at most the `sample` asked for). */
      visitors: z.number().check(z.int()),
      /** Profiles replayed: linked devices of one person count once; erased ones not at all. */
      profiles: z.number().check(z.int()),
    }),
    /** Profiles for whom anything below would differ. */
    changed: z.number().check(z.int()),
    stage: ChangeKind,
    segments: ChangeKind,
    offers: ChangeKind,
    audiences: ChangeKind,
    elapsed_ms: z.number(),
  }),
  { id: 'RulesPreview' },
);
export type Preview = z.infer<typeof Preview>;
