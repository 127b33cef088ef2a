// The Visitor's SQLite tables. Columns may be added, never renamed: stored objects outlive deploys.
export function migrate(sql: SqlStorage): void {
  sql.exec(`
    CREATE TABLE IF NOT EXISTS visitor (site TEXT NOT NULL, vid TEXT NOT NULL, state TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS events (
      id TEXT PRIMARY KEY,
      type TEXT NOT NULL,
      client_ts INTEGER NOT NULL,
      at INTEGER NOT NULL,
      received INTEGER NOT NULL,
      body TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS events_at ON events (at);
    CREATE TABLE IF NOT EXISTS outbox (id TEXT PRIMARY KEY, message TEXT NOT NULL);
  `);
}
