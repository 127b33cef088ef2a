// Removes personal data from URLs and titles before they leave the browser: e-mail addresses
// (also %40-encoded) and runs of 9+ digits with up to two separators between digits (phones,
// SSNs, card and account numbers). Shorter numbers (dates, amounts, ids) stay. Caps the length.
// The pattern inline (a constant of its own costs bytes): an e-mail address (@ or %40), or 9+
// digits with up to two separators (space ( ) . - or %20) between each two. A leading + or ( is
// left in place: it tells nothing.
export const scrub = (text: string, max = 2000): string =>
  text.replace(/[+.\w-]+(@|%40)[\w-]+\.[.\w-]+|\d(([\s().-]|%20){0,2}\d){8,}/g, '_').slice(0, max);
