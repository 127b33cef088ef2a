// Removes personal data from URLs and titles before they leave the browser: e-mail addresses
// (also %40-encoded) and runs of 9+ digits with optional separators (phones, SSNs, card and
// account numbers). Shorter numbers such as dates, amounts and ids stay.
const PII = /[\w.+-]+(?:@|%40)[\w-]+\.[\w.-]+|\d(?:(?:[\s().-]|%20)?\d){8,}/gi;

export const scrub = (text: string): string => text.replace(PII, '_');

/** The current URL, scrubbed after the origin so hosts and ports stay valid; the hash only for hash routing. */
export const pageUrl = (withHash: boolean): string =>
  location.origin + scrub((location.pathname + location.search + (withHash ? location.hash : '')).slice(0, 2000));
