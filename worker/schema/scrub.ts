// Removes personal data that pages leak into URLs, titles and properties (an e-mail in a query
// string, a phone number or an account number in a path) before anything is stored.
const EMAIL = /[^\s@/?&=#:;,]+@[^\s@/?&=#:;,]+\.[a-z]{2,}/gi;
const PHONE = /\+?\d[\d\s().-]{7,}\d/g;
const DIGIT_RUN = /\d{7,}/g;

export function scrubText(text: string): string {
  if (!/\d|@/.test(text)) return text;
  return text
    .replace(EMAIL, '[email]')
    .replace(PHONE, (match) => (match.replace(/\D/g, '').length >= 9 ? '[phone]' : match))
    .replace(DIGIT_RUN, '[number]');
}

/** Scrubs an URL's path, query and fragment but keeps it a valid URL (the brackets get encoded). */
export function scrubUrl(url: string): string {
  const parsed = new URL(url);
  const scrubbed = scrubText(decodeSafely(parsed.pathname + parsed.search + parsed.hash));
  return new URL(scrubbed, parsed.origin).href;
}

function decodeSafely(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
