// The events queue consumer: rolls events up into the KPI tables in D1. Messages go in chunks, one
// D1 batch (one transaction) each, with every event's statements inside a single chunk: a chunk
// that commits is acknowledged, and one that fails is retried alone, later and later while D1 stays
// down; the chunks after it are still attempted. The queue delivers at least once and
// rollupStatements counts an event id once, so retries never double count.
import { keyed, type QueuedEvent } from './message';
import { rollupStatements } from './rollup';
import { liveRules, type RulesEnv } from '../rules/live';

/** Statements per D1 batch: large enough to amortise the round trip, small enough to stay quick. */
const CHUNK_STATEMENTS = 500;
const FIRST_RETRY_SECONDS = 5;
const MAX_RETRY_SECONDS = 600;

/**
 * The delay before a failed message's next attempt: 5 s after the first, doubling up to 10 minutes,
 * so the retries (max_retries in wrangler.toml) outlast an outage of hours rather than one minute.
 */
export function retryDelaySeconds(attempts: number): number {
  return Math.min(FIRST_RETRY_SECONDS * 2 ** Math.max(0, attempts - 1), MAX_RETRY_SECONDS);
}

interface Chunk {
  messages: Array<Message<QueuedEvent>>;
  statements: D1PreparedStatement[];
}

export async function consumeEvents(batch: MessageBatch<QueuedEvent>, env: RulesEnv): Promise<void> {
  const newest = newestSnapshots(batch.messages);
  const chunks: Chunk[] = [];
  // A message delivered twice in one batch is rolled up once, and settled with the chunk that holds
  // its statements: acknowledged alone, the copy would be lost if that chunk failed.
  const chunkOf = new Map<string, Chunk>();
  for (const message of batch.messages) {
    const { site, vid, event } = message.body;
    const key = `${site}\n${vid}\n${event.id}`;
    const twin = chunkOf.get(key);
    if (twin) {
      twin.messages.push(message);
      continue;
    }
    const { person } = message.body;
    const snapshot = !person || newest.get(personKey(site, person.ph))! <= person.version;
    const statements = rollupStatements(env.DB, await keyed(message.body), (await liveRules.site(env, site))?.rules.source, {
      snapshot,
    });
    let chunk = chunks.at(-1);
    if (!chunk || chunk.statements.length + statements.length > CHUNK_STATEMENTS)
      chunks.push((chunk = { messages: [], statements: [] }));
    chunk.messages.push(message);
    chunk.statements.push(...statements);
    chunkOf.set(key, chunk);
  }
  for (const { messages, statements } of chunks) {
    try {
      await env.DB.batch(statements);
      for (const message of messages) message.ack();
    } catch (error) {
      // The chunk rolled back whole: only its messages go back to the queue.
      console.error(`analytics rollup failed; retrying ${messages.length} messages`, error);
      for (const message of messages) message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
    }
  }
}

const personKey = (site: string, ph: string) => `${site}\n${ph}`;

/**
 * The newest snapshot version of each person in the batch. An older one is left out: the newer
 * replaces it, in this batch or, if its chunk fails, in a retry; and if the newer event was counted
 * before (a redelivery), its snapshot is already in D1 and the older one would be refused by version.
 * A visitor's batch of events thus writes its person once, not once per event.
 */
function newestSnapshots(messages: readonly Message<QueuedEvent>[]): Map<string, number> {
  const newest = new Map<string, number>();
  for (const { body } of messages) {
    if (!body.person) continue;
    const key = personKey(body.site, body.person.ph);
    newest.set(key, Math.max(newest.get(key) ?? 0, body.person.version));
  }
  return newest;
}
