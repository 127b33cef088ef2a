// An audience page in the ad platforms' own upload formats. Only hashes leave: SHA-256 hex of the
// normalised e-mail address and phone number, hashed in the browser or by the site's backend.
//
// Google Ads Customer Match ("Format your customer data file",
// https://support.google.com/google-ads/answer/7659867): a CSV file in UTF-8 whose column headers are
// the English names, "Email" and "Phone" here, hashed with SHA-256 after lower-casing and trimming the
// e-mail and writing the phone in E.164 with its country code. A member with only one of the two
// leaves the other cell empty.
//
// Meta's custom audience users endpoint (POST /{custom_audience_id}/users, Marketing API reference
// "Custom Audience Users"): a `payload` of `schema` and `data`, at most 10,000 rows a request. Meta
// hashes a phone number as digits only, with the country code but without the "+" (Conversions API,
// "Customer information parameters", `ph`: "(650)555-1212" → "16505551212"), so its PHONE cell is
// `phone_digits_sha256`, the snippet's second hash of the same number, not Google's E.164 one.
import type { AudienceMember, MetaAudiencePayload } from '../schema/audiences';

export type Platform = 'google' | 'meta';

const matchable: Record<Platform, (member: AudienceMember) => boolean> = {
  google: (member) => member.email_sha256 !== null || member.phone_sha256 !== null,
  meta: (member) => member.email_sha256 !== null || member.phone_digits_sha256 !== null,
};

/** Members the platform cannot match: they are counted, not exported. */
export function unmatched(members: readonly AudienceMember[], platform: Platform): number {
  return members.filter((member) => !matchable[platform](member)).length;
}

/** The Customer Match file: a header line, then one line per member with an e-mail or phone hash (CRLF, RFC 4180). */
export function customerMatchCsv(members: readonly AudienceMember[]): string {
  const rows = members.filter(matchable.google).map((member) => `${member.email_sha256 ?? ''},${member.phone_sha256 ?? ''}`);
  return ['Email,Phone', ...rows].map((line) => `${line}\r\n`).join('');
}

/** The users endpoint's payload for the members with an e-mail or a Meta-normalised phone hash. */
export function metaPayload(members: readonly AudienceMember[]): MetaAudiencePayload {
  return {
    schema: ['EMAIL', 'PHONE'],
    data: members.filter(matchable.meta).map((member) => [member.email_sha256 ?? '', member.phone_digits_sha256 ?? '']),
  };
}
