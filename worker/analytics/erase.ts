// Deletes every D1 row keyed to one visitor (erasure requests). Daily counts hold no visitor ids.
export async function eraseVisitorRows(db: D1Database, site: string, vid: string): Promise<number> {
  const result = await db.prepare('DELETE FROM processed WHERE site = ? AND vid = ?').bind(site, vid).run();
  return result.meta.changes;
}
