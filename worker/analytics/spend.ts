// Marketing spend per channel and day, as PUT /v1/spend/:site gives it: the one writer of the
// `spend` table (migrations/0007_lifecycle.sql); cost per lead reads it.
import type { SpendRequest } from '../schema/back-office';

export async function storeSpend(db: D1Database, site: string, rows: SpendRequest['spend']): Promise<number> {
  await db.batch(
    rows.map(({ day, source, medium, amount }) =>
      db
        .prepare(
          `INSERT INTO spend (site, day, source, medium, amount) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (site, day, source, medium) DO UPDATE SET amount = excluded.amount`,
        )
        .bind(site, day, source, medium, amount),
    ),
  );
  return rows.length;
}
