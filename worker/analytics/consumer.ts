// The events queue consumer: rolls events up into the KPI tables in D1. Messages go in chunks, one
// D1 batch (one transaction) each, with every event's statements inside a single chunk: a chunk
// that commits is acknowledged, and one that fails is retried with everything after it. The queue
// delivers at least once and rollupStatements counts an event id once, so retries never double count.
import type { Env } from '../env';
import type { QueuedEvent } from './message';
import { rollupStatements } from './rollup';
import { visitorHash } from './visitor-hash';

/** Statements per D1 batch: large enough to amortise the round trip, small enough to stay quick. */
const CHUNK_STATEMENTS = 500;
const RETRY_DELAY_SECONDS = 5;

export async function consumeEvents(batch: MessageBatch<QueuedEvent>, env: Pick<Env, 'DB'>): Promise<void> {
  const chunks: Array<{ messages: Array<Message<QueuedEvent>>; statements: D1PreparedStatement[] }> = [];
  let chunk: (typeof chunks)[number] | undefined;
  // A message delivered twice in one batch is rolled up once (its id is seen by then anyway).
  const taken = new Set<string>();
  for (const message of batch.messages) {
    const { site, vid, event } = message.body;
    const key = `${site}\n${vid}\n${event.id}`;
    const statements = taken.has(key) ? [] : rollupStatements(env.DB, message.body, await visitorHash(site, vid));
    taken.add(key);
    if (!chunk || chunk.statements.length + statements.length > CHUNK_STATEMENTS) chunks.push((chunk = { messages: [], statements: [] }));
    chunk.messages.push(message);
    chunk.statements.push(...statements);
  }
  for (const [index, { messages, statements }] of chunks.entries()) {
    try {
      if (statements.length) await env.DB.batch(statements);
      for (const message of messages) message.ack();
    } catch (error) {
      // This chunk rolled back whole. It and the rest go back to the queue; the chunks before
      // stay acknowledged.
      console.error('analytics rollup failed; retrying', error);
      for (const rest of chunks.slice(index)) for (const message of rest.messages) message.retry({ delaySeconds: RETRY_DELAY_SECONDS });
      return;
    }
  }
}
