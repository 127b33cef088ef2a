// The D1 mirror of audience memberships, table `audience_members`, and every query on it: written
// by the visitors' Durable Objects, read by the audiences route (paginated by visitor id) and the
// dashboard's audience sizes, erased with the visitor.
import type { AudienceState } from '../engine/state';

export interface MembershipChange {
  site: string;
  audience: string;
  vid: string;
  uid: string | null;
  member: AudienceState;
}

export function writeMemberships(db: D1Database, changes: readonly MembershipChange[]): Promise<D1Result[]> {
  return db.batch(
    changes.map(({ site, audience, vid, uid, member }) =>
      db
        .prepare(
          `INSERT INTO audience_members (site, audience, vid, uid, joined, expires, left_at) VALUES (?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (site, audience, vid) DO UPDATE SET
             uid = excluded.uid, joined = excluded.joined, expires = excluded.expires, left_at = excluded.left_at`,
        )
        .bind(site, audience, vid, uid, member.joined, member.expires, member.left ?? null),
    ),
  );
}

export interface Member {
  vid: string;
  uid: string | null;
  joined: number;
  expires: number;
}

export async function currentMembers(
  db: D1Database,
  site: string,
  audience: string,
  now: number,
  after: string,
  limit: number,
): Promise<Member[]> {
  const { results } = await db
    .prepare(
      `SELECT vid, uid, joined, expires FROM audience_members
       WHERE site = ? AND audience = ? AND left_at IS NULL AND expires > ? AND vid > ?
       ORDER BY vid LIMIT ?`,
    )
    .bind(site, audience, now, after, limit)
    .all<Member>();
  return results;
}

/** A membership as the mirror stores it. */
export type MemberRow = Member & { audience: string; left_at: number | null };

/** Deletes a visitor's memberships and answers them, so the audiences' webhooks can hear of the leave. */
export async function eraseMemberships(db: D1Database, site: string, vid: string): Promise<MemberRow[]> {
  const { results } = await db
    .prepare('DELETE FROM audience_members WHERE site = ? AND vid = ? RETURNING audience, vid, uid, joined, expires, left_at')
    .bind(site, vid)
    .all<MemberRow>();
  return results;
}
