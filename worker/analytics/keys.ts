// How the rollups key what they count: offer arms and UTC days. Pure, so Node-side checks
// (test/system/rollups.ts) key their truth the same way.

/** The arm of an offer event or exposure: the variant id, "-" without variants, or "holdout". */
export const HOLDOUT_ARM = 'holdout';
export const armOf = (variant: string | undefined, holdout = false): string => (holdout ? HOLDOUT_ARM : (variant ?? '-'));

/** UTC day (YYYY-MM-DD) of a time in ms. */
export const dayOf = (at: number): string => new Date(at).toISOString().slice(0, 10);
