// Durable Object names: one object per (site, visitor id), and one per (site, hashed user id) that
// holds the merged profile of every visitor identified as that user. Every edge reaches the same one.
import type { Env } from '../env';
import { PERSON_PREFIX } from '../engine/audience-events';

export function visitorStub(env: Env, site: string, vid: string) {
  return env.VISITOR.get(env.VISITOR.idFromName(`${site}:${vid}`));
}

export function userStub(env: Env, site: string, uid: string) {
  return env.VISITOR.get(env.VISITOR.idFromName(`${site}:uid:${uid}`));
}

/** The profile id a user's merged profile answers with. */
export const userProfileId = (uid: string) => `${PERSON_PREFIX}${uid}`;
