// The id of an audience membership change (a join or a leave), the same wherever the change is told:
// in the collect and decide answers (for the page's own pixel) and in the webhook delivery (for the
// server's copy), so that an ad platform counts the two copies once. Meta deduplicates a browser and
// a server event that share event_name and event_id within 48 hours ("Handling Duplicate Pixel and
// Conversions API Events", developers.facebook.com/docs/marketing-api/conversions-api/deduplicate-pixel-and-server-events).
import { sha256HexSync } from '../lib/sha256';
import type { AudienceState } from './state';

/** A person's merged profile is named so (worker/visitor/stub.ts); an anonymous visitor's by its vid. */
export const PERSON_PREFIX = 'uid:';

/** Who an audience counts as one member: the person's user id once identified, else the visitor id. */
export function memberKey(profileId: string): string {
  return profileId.startsWith(PERSON_PREFIX) ? profileId.slice(PERSON_PREFIX.length) : profileId;
}

export type AudienceAction = 'join' | 'leave';

/** When the change happened: the join, or the leave (early, or at the membership's expiry). */
export function changedAt(member: AudienceState, action: AudienceAction): number {
  return action === 'join' ? member.joined : (member.left ?? member.expires);
}

/**
 * 32 hex characters of SHA-256("<audience>|<action>|<member key>|<ms of the change>"). Deterministic,
 * so a repeated decision or a retried delivery carries the same id, and each new change a new one.
 * The engine does not know the site: the member key (a random visitor id, or the site's hashed user
 * id) and the millisecond of the change keep sites apart in practice.
 */
export function audienceEventId(audience: string, action: AudienceAction, member: string, at: number): string {
  const text = `${audience}|${action}|${member}|${at}`;
  let id = recentIds.get(text);
  if (id === undefined) {
    id = sha256HexSync(text).slice(0, 32);
    if (recentIds.size >= RECENT_IDS) recentIds.clear();
    recentIds.set(text, id);
  }
  return id;
}

/**
 * Every decision names the id of each of the visitor's memberships, and a visitor decides on every
 * page view, each time in the same isolate as its object: the ids of recent changes are kept (all
 * dropped at once when full, which costs less than dropping the oldest one by one), so a visitor's
 * later page views do not hash them again.
 */
const RECENT_IDS = 1024;
const recentIds = new Map<string, string>();
