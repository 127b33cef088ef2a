// Removes personal data from URLs and titles before they leave the browser: e-mail addresses
// (also %40-encoded) and runs of 9+ digits with up to two separators between digits (phones,
// SSNs, card and account numbers). Shorter numbers (dates, amounts, ids) stay. Caps the length.
const PII = /[+.\w-]+(@|%40)[\w-]+\.[.\w-]+|\+?\(?\d(([\s().-]|%20){0,2}\d){8,}/g;

export const scrub = (text: string, max = 2000): string => text.replace(PII, '_').slice(0, max);
