// The rules_versions table (migrations/0006_rules_versions.sql) and every query on it: no other
// module reads or writes it. Versions are appended, never changed; the live one is a site's highest.
import { sha256Hex } from '../lib/hex';

export interface VersionInfo {
  version: number;
  hash: string;
  author: string;
  message: string;
  created_at: number;
}

export interface StoredVersion extends VersionInfo {
  json: string;
}

/** The digest a version is known by: SHA-256 of its JSON text as stored. */
export const documentHash = (json: string) => sha256Hex(json);

/** Each site with published versions, and its live (highest) version: the cheap check. */
export async function liveVersions(db: D1Database): Promise<Map<string, number>> {
  const { results } = await db
    .prepare('SELECT site, max(version) AS version FROM rules_versions GROUP BY site')
    .all<{ site: string; version: number }>();
  return new Map(results.map((row) => [row.site, row.version]));
}

export async function readVersion(db: D1Database, site: string, version: number): Promise<StoredVersion | null> {
  return db
    .prepare('SELECT version, json, hash, author, message, created_at FROM rules_versions WHERE site = ? AND version = ?')
    .bind(site, version)
    .first<StoredVersion>();
}

/** A site's versions, newest first, without their documents. */
export async function listVersions(db: D1Database, site: string): Promise<VersionInfo[]> {
  const { results } = await db
    .prepare('SELECT version, hash, author, message, created_at FROM rules_versions WHERE site = ? ORDER BY version DESC')
    .bind(site)
    .all<VersionInfo>();
  return results;
}

export interface NewVersion {
  site: string;
  json: string;
  hash: string;
  author: string;
  message: string;
  now: number;
  /** The bundled document, recorded as version 1 by the site's first publish. */
  bundled?: { json: string; hash: string };
}

/**
 * Appends `json` as the site's next version and answers its number. One D1 batch is one
 * transaction, and the number is computed inside the insert, so concurrent publishes are
 * serialised: each gets its own number and none overwrites another.
 */
export async function appendVersion(db: D1Database, next: NewVersion): Promise<number> {
  const { site, bundled } = next;
  const statements = bundled
    ? [
        db
          .prepare(
            `INSERT INTO rules_versions (site, version, json, hash, author, message, created_at)
             SELECT ?, 1, ?, ?, 'bundle', ?, ? WHERE NOT EXISTS (SELECT 1 FROM rules_versions WHERE site = ?)`,
          )
          .bind(site, bundled.json, bundled.hash, `rules/${site}.json as deployed`, next.now, site),
      ]
    : [];
  statements.push(
    db
      .prepare(
        `INSERT INTO rules_versions (site, version, json, hash, author, message, created_at)
         SELECT ?, coalesce(max(version), 0) + 1, ?, ?, ?, ?, ? FROM rules_versions WHERE site = ?
         RETURNING version`,
      )
      .bind(site, next.json, next.hash, next.author, next.message, next.now, site),
  );
  const results = await db.batch<{ version: number }>(statements);
  return results.at(-1)!.results[0].version;
}

/** A site's live (highest) version, read from D1 now rather than from the isolate's cache. */
export async function latestVersion(db: D1Database, site: string): Promise<StoredVersion | null> {
  return db
    .prepare(
      'SELECT version, json, hash, author, message, created_at FROM rules_versions WHERE site = ? ORDER BY version DESC LIMIT 1',
    )
    .bind(site)
    .first<StoredVersion>();
}
