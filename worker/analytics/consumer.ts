// The queue consumer: rolls events up into D1 daily counts. Each event is counted in the same D1
// batch (one transaction) that marks it processed, so a redelivered event adds nothing, and a
// failed batch is retried whole by the queue.
import type { Env } from '../env';
import type { QueuedEvent } from './message';
import { metricsOf } from './metrics';

export async function consumeEvents(batch: MessageBatch<QueuedEvent>, env: Env): Promise<void> {
  const statements: D1PreparedStatement[] = [];
  for (const { body } of batch.messages) {
    const day = new Date(body.at).toISOString().slice(0, 10);
    const notSeen = 'NOT EXISTS (SELECT 1 FROM processed WHERE site = ? AND vid = ? AND id = ?)';
    for (const { metric, dim } of metricsOf(body.event)) {
      statements.push(
        env.DB.prepare(
          `INSERT INTO daily_counts (site, day, metric, dim, n) SELECT ?, ?, ?, ?, 1 WHERE ${notSeen}
           ON CONFLICT (site, day, metric, dim) DO UPDATE SET n = n + 1`,
        ).bind(body.site, day, metric, dim, body.site, body.vid, body.event.id),
      );
    }
    statements.push(
      env.DB.prepare('INSERT OR IGNORE INTO processed (site, vid, id, day) VALUES (?, ?, ?, ?)').bind(
        body.site, body.vid, body.event.id, day,
      ),
    );
  }
  if (statements.length) await env.DB.batch(statements);
  batch.ackAll();
}
