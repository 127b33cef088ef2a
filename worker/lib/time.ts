// Time units and UTC days, shared by the engine, the rollups and the dashboard. Days are UTC days:
// caps reset and rollups roll over at 00:00 UTC.
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** The UTC calendar date of a time in ms, as YYYY-MM-DD: how rollups and ranges name a day. */
export const utcDate = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** The UTC day of a time in ms as a count of days since 1970: how the engine's caps compare days. */
export const utcDayNumber = (ms: number): number => Math.floor(ms / DAY_MS);
