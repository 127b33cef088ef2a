// Where the outbox keeps what waits, shared by the tag (outbox.ts) and nb-outbox.js (outbox-store.ts).

/** 1,000 events is about 250 KB: weeks of a busy visitor offline, small enough for any quota. */
export const CAP = 1000;
/** localStorage: "1" while the IndexedDB outbox may hold events (set before each write, "0" when left empty). */
export const MARK = 'nb_ob';
