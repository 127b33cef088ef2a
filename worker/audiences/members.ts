// The D1 mirror of audience memberships, tables `audience_members` and `audience_identities`, and
// every query on them: written by the visitors' Durable Objects, read by the audiences route
// (paginated by profile id) and the dashboard's audience sizes, erased with the visitor.
//
// One member per person: a browser's profile holds memberships until it is linked to a person (a
// verified identify); then its events are refolded into the person's profile, which holds the
// person's memberships under its own id (`uid:<hash>`), and the browser's own rows are closed
// (visitor.ts, retireMemberships). So every current row is one member: a person or an anonymous
// browser. An identifier row beside it says what ad platforms can match the member by.
import type { AudienceState, ClickIds, Consent } from '../engine/state';
import { audienceEventId, changedAt, memberKey } from '../engine/audience-events';
import { currentClickIds } from '../engine/click-ids';
import type { AudienceMember, Member } from '../schema/audiences';

export interface MembershipChange {
  site: string;
  audience: string;
  vid: string;
  uid: string | null;
  member: AudienceState;
}

/** What a member is matched by, as the profile holds it now. */
export interface MemberIdentity {
  site: string;
  vid: string;
  uid: string | null;
  vids: string[];
  email_sha256: string | null;
  phone_sha256: string | null;
  phone_digits_sha256: string | null;
  click_ids: ClickIds;
  consent: Consent;
}

export function membershipStatements(db: D1Database, changes: readonly MembershipChange[]): D1PreparedStatement[] {
  return changes.map(({ site, audience, vid, uid, member }) =>
    db
      .prepare(
        `INSERT INTO audience_members (site, audience, vid, uid, joined, expires, left_at) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (site, audience, vid) DO UPDATE SET
           uid = excluded.uid, joined = excluded.joined, expires = excluded.expires, left_at = excluded.left_at`,
      )
      .bind(site, audience, vid, uid, member.joined, member.expires, member.left ?? null),
  );
}

export function writeMemberships(db: D1Database, changes: readonly MembershipChange[]): Promise<D1Result[]> {
  return db.batch(membershipStatements(db, changes));
}

export function identityStatement(db: D1Database, identity: MemberIdentity, now: number): D1PreparedStatement {
  const { site, vid, uid, vids, email_sha256, phone_sha256, phone_digits_sha256, click_ids, consent } = identity;
  return db
    .prepare(
      `INSERT OR REPLACE INTO audience_identities (site, vid, uid, vids, email_sha256, phone_sha256, phone_digits_sha256, click_ids, consent, updated)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .bind(
      site,
      vid,
      uid,
      JSON.stringify(vids),
      email_sha256,
      phone_sha256,
      phone_digits_sha256,
      JSON.stringify(click_ids),
      JSON.stringify(consent),
      now,
    );
}

/** Deletes a profile's identifier row (a browser merged into its person, or erased). */
export function forgetIdentityStatement(db: D1Database, site: string, vid: string): D1PreparedStatement {
  return db.prepare('DELETE FROM audience_identities WHERE site = ? AND vid = ?').bind(site, vid);
}

type MemberJoinRow = Omit<Member, 'event_id'> & {
  vids: string | null;
  email_sha256: string | null;
  phone_sha256: string | null;
  phone_digits_sha256: string | null;
  click_ids: string | null;
  consent: string | null;
};

/** The current members after profile id `after`, in profile id order, with what they can be matched by. */
export async function currentMembers(
  db: D1Database,
  site: string,
  audience: string,
  now: number,
  after: string,
  limit: number,
): Promise<AudienceMember[]> {
  const { results } = await db
    .prepare(
      `SELECT m.vid, m.uid, m.joined, m.expires, i.vids, i.email_sha256, i.phone_sha256, i.phone_digits_sha256, i.click_ids, i.consent
       FROM audience_members m LEFT JOIN audience_identities i ON i.site = m.site AND i.vid = m.vid
       WHERE m.site = ? AND m.audience = ? AND m.left_at IS NULL AND m.expires > ? AND m.vid > ?
       ORDER BY m.vid LIMIT ?`,
    )
    .bind(site, audience, now, after, limit)
    .all<MemberJoinRow>();
  return results.map((row) => {
    const key = memberKey(row.vid);
    return {
      vid: row.vid,
      key,
      uid: row.uid,
      vids: row.vids ? (JSON.parse(row.vids) as string[]) : row.uid ? [] : [row.vid],
      joined: row.joined,
      expires: row.expires,
      event_id: audienceEventId(audience, 'join', key, changedAt(row, 'join')),
      email_sha256: row.email_sha256,
      phone_sha256: row.phone_sha256,
      phone_digits_sha256: row.phone_digits_sha256,
      click_ids: currentClickIds(row.click_ids ? (JSON.parse(row.click_ids) as ClickIds) : undefined, now),
      consent: row.consent ? (JSON.parse(row.consent) as Consent) : {},
    };
  });
}

/** A membership as the mirror stores it. */
export type MemberRow = Omit<Member, 'event_id'> & { audience: string; left_at: number | null };

/**
 * Deletes a profile's memberships and identifiers and answers the memberships, so the audiences'
 * webhooks can hear of the leave.
 */
export async function eraseMemberships(db: D1Database, site: string, vid: string): Promise<MemberRow[]> {
  const [members] = await db.batch<MemberRow>([
    db
      .prepare('DELETE FROM audience_members WHERE site = ? AND vid = ? RETURNING audience, vid, uid, joined, expires, left_at')
      .bind(site, vid),
    forgetIdentityStatement(db, site, vid),
  ]);
  return members.results;
}
