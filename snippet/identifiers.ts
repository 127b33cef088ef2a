// nb-identify.js, the ES module that nb.js imports when nb('identify', id, { email, phone }) is
// called with ads consent: it answers the hashes of the e-mail address and phone number as the ad
// platforms match them (snippet/README.md, "Identifiers for ad platforms", cites the rules), so the
// values themselves never leave the page. An e-mail is trimmed and lower-cased; a phone is put in
// E.164 for Google Customer Match ("+" and digits) and given as its digits alone for Meta Custom
// Audiences. A number written without its country code takes the calling code of the tag's
// data-nb-country, less the national trunk prefix 0 (for +1, a leading 1).
import { hex } from './storage';

// The countries whose national numbers drop a leading 0 (or, for +1, a leading 1) in E.164; numbers
// of other countries need their "+" and calling code.
const CALLING_CODES = 'US1CA1GB44IE353AU61NZ64DE49FR33NL31BE32CH41AT43SE46FI358IN91ZA27JP81AE971';

const sha256 = (text: string): Promise<string> => crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)).then(hex);

export const normalEmail = (email: string): string | undefined => (
  (email = email.trim().toLowerCase()),
  /.@./.test(email) ? email : undefined
);

export function e164(phone: string, country?: string): string | undefined {
  // "+44 (0)20 …" writes the trunk prefix that E.164 leaves out.
  const digits = phone.replace(/\(0\)|\D/g, '');
  const code = /^[A-Z]{2}$/.test(country!) && CALLING_CODES.match(country + '(\\d+)')?.[1];
  const number = /^\s*(\+|00)/.test(phone)
    ? '+' + digits.replace(/^00/, '')
    : code && '+' + code + digits.replace(code == '1' ? /^1(?=\d{10}$)/ : /^0/, '');
  // E.164: at most 15 digits; +1 (North America) numbers have 10 after the country code.
  return /^\+(1\d{10}|[2-9]\d{7,14})$/.test(number as string) ? (number as string) : undefined;
}

/** The identify event's hashed identifiers; a value that does not parse is left out. */
export async function hashed(email: unknown, phone: unknown, country?: string) {
  const address = normalEmail(email + '');
  const number = e164(phone + '', country);
  return {
    email_sha256: address && (await sha256(address)),
    phone_sha256: number && (await sha256(number)),
    phone_digits_sha256: number && (await sha256(number.slice(1))),
  };
}
