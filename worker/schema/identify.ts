// The body of POST /v1/identify and its answer.
import { z } from 'zod';
import { ClientId, IdentifyEvent, Name } from './events';

export const IdentifyRequest = z.strictObject({
  site: Name,
  vid: ClientId,
  /** SHA-256 hex of the site's own user id: the raw id never reaches Nextbest. */
  uid: IdentifyEvent.shape.uid,
});
export type IdentifyRequest = z.infer<typeof IdentifyRequest>;

export const IdentifyResponse = z.strictObject({
  vid: z.string(),
  /** The merged profile's id; GET /v1/profile/:site/:vid of any linked visitor answers it. */
  profile: z.string(),
  linked: z.array(z.string()),
});
export type IdentifyResponse = z.infer<typeof IdentifyResponse>;
