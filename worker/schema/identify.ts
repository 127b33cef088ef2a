// The body of POST /v1/identify and its answer.
import * as z from '../lib/zod';
import { ClientId, IdentifyEvent, Name } from './events';

export const IdentifyRequest = z.strictObject({
  site: Name,
  vid: ClientId,
  /** SHA-256 hex of the site's own user id: the raw id never reaches Nextbest. */
  uid: IdentifyEvent.shape.uid,
  /** SHA-256 of the trimmed, lower-cased e-mail address: matched by Google Customer Match and Meta. */
  email_sha256: IdentifyEvent.shape.email_sha256,
  /** SHA-256 of the phone number in E.164 (`+` and digits). */
  phone_sha256: IdentifyEvent.shape.phone_sha256,
  /** SHA-256 of the same number's digits without the `+` (Meta Custom Audiences). */
  phone_digits_sha256: IdentifyEvent.shape.phone_digits_sha256,
});
export type IdentifyRequest = z.infer<typeof IdentifyRequest>;

export const IdentifyResponse = z.strictObject({
  vid: z.string(),
  /** The merged profile's id; GET /v1/profile/:site/:vid of any linked visitor answers it. */
  profile: z.string(),
  linked: z.array(z.string()),
});
export type IdentifyResponse = z.infer<typeof IdentifyResponse>;
