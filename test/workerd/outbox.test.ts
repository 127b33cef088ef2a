// The visitor's analytics outbox keeps a batch's messages (one row per batch) until D1 shows all
// its events counted, and sends them again when the row's lease ends unconfirmed: a message the
// queue accepted and then lost still gets counted, once. Real Durable Object, queue, consumer and D1; only the loss itself is staged, by
// marking the rows as sent, with their lease over, without sending them.
import { describe, expect, it } from 'vitest';
import { env } from 'cloudflare:workers';
import { createMessageBatch, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { consumeEvents } from '../../worker/analytics/consumer';
import { visitorHash } from '../../worker/analytics/visitor-hash';
import { userStub, visitorStub } from '../../worker/visitor/stub';
import type { QueuedEvent } from '../../worker/analytics/message';
import type { CollectResponse } from '../../worker/schema/collect';
import type { Event } from '../../worker/schema/events';
import { batch, formEvent, pageView, post, uniqueId } from './helpers';
import { TEST_API_KEY } from './api-keys';
import { sha256Hex } from '../../worker/lib/hex';

/** The default lease: wrangler.toml sets no NB_OUTBOX_LEASE_SECONDS. */
const LEASE_MS = 300_000;

type Row = { id: string; lease_ends: number | null; sends: number };

function outboxOf(vid: string): Promise<{ rows: Row[]; alarm: number | null }> {
  return runInDurableObject(visitorStub(env, 'demo', vid), async (_instance, state) => ({
    rows: state.storage.sql.exec<Row>('SELECT id, lease_ends, sends FROM outbox ORDER BY rowid').toArray(),
    alarm: await state.storage.getAlarm(),
  }));
}

/** Ends every row's lease now, as if it had been sent (once, unless already sent) a lease ago. */
function endLease(vid: string): Promise<void> {
  return runInDurableObject(visitorStub(env, 'demo', vid), (_instance, state) => {
    state.storage.sql.exec('UPDATE outbox SET lease_ends = ?, sends = max(sends, 1)', Date.now() - 1);
  });
}

/** Events of the visitor in seen_events, once there are at least `awaited` (or 10 s have passed). */
async function countedEvents(vid: string, awaited = 1): Promise<number> {
  const vh = await visitorHash('demo', vid);
  const read = () =>
    env.DB.prepare('SELECT count(*) AS n FROM seen_events WHERE site = ? AND vh = ?').bind('demo', vh).first<{ n: number }>();
  const deadline = Date.now() + 10_000;
  for (;;) {
    const n = (await read())!.n;
    if (n >= awaited || Date.now() > deadline) return n;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function eventsRolledUp(vid: string): Promise<number> {
  const vh = await visitorHash('demo', vid);
  const row = await env.DB.prepare('SELECT sum(events) AS n FROM visitor_days WHERE site = ? AND vh = ?')
    .bind('demo', vh)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

describe('the analytics outbox', () => {
  it('keeps sent messages until D1 shows them counted, then lets them go', async () => {
    const visit = batch([pageView(), pageView(), pageView()]);
    await post('/v1/collect', visit);
    const sentAt = Date.now();
    await runDurableObjectAlarm(visitorStub(env, 'demo', visit.vid));
    const sent = await outboxOf(visit.vid);
    expect(sent.rows).toHaveLength(1);
    for (const row of sent.rows)
      expect(row).toMatchObject({ lease_ends: expect.toSatisfy((at: number) => at >= sentAt + LEASE_MS), sends: 1 });
    // The next look is when the lease ends.
    expect(sent.alarm).toBe(sent.rows[0].lease_ends);
    expect(await countedEvents(visit.vid)).toBe(3);

    await endLease(visit.vid);
    await runDurableObjectAlarm(visitorStub(env, 'demo', visit.vid));
    expect(await outboxOf(visit.vid)).toEqual({ rows: [], alarm: null });
    expect(await eventsRolledUp(visit.vid)).toBe(3);
  });

  it('sends a message again when its lease ends unconfirmed, and it is counted once', async () => {
    const visit = batch([pageView(), pageView()]);
    await post('/v1/collect', visit);
    expect((await outboxOf(visit.vid)).rows.map((row) => row.lease_ends)).toEqual([null]);
    // "Sent" a lease ago, and lost: nothing of it reached D1.
    await endLease(visit.vid);
    const resentAt = Date.now();
    await runDurableObjectAlarm(visitorStub(env, 'demo', visit.vid));
    expect(await countedEvents(visit.vid)).toBe(2);
    // Sent a second time, with twice the lease.
    const resent = await outboxOf(visit.vid);
    expect(resent.rows.map((row) => row.sends)).toEqual([2]);
    for (const row of resent.rows) expect(row.lease_ends).toBeGreaterThanOrEqual(resentAt + 2 * LEASE_MS);

    await endLease(visit.vid);
    await runDurableObjectAlarm(visitorStub(env, 'demo', visit.vid));
    expect(await outboxOf(visit.vid)).toEqual({ rows: [], alarm: null });
    expect(await eventsRolledUp(visit.vid)).toBe(2);
  });

  it('sends a batch again, whole, when D1 counted only some of its events, and counts each once', async () => {
    const visit = batch([pageView(), pageView()]);
    await post('/v1/collect', visit);
    const [row] = await runInDurableObject(visitorStub(env, 'demo', visit.vid), (_instance, state) =>
      state.storage.sql.exec<{ message: string }>('SELECT message FROM outbox').toArray(),
    );
    const [counted] = JSON.parse(row.message) as QueuedEvent[];
    // The queue delivered the first message and lost the second.
    await consumeEvents(
      createMessageBatch<QueuedEvent>('nextbest-events', [
        { id: counted.event.id, timestamp: new Date(), attempts: 1, body: counted },
      ]),
      env,
    );
    expect(await countedEvents(visit.vid)).toBe(1);
    await endLease(visit.vid);
    await runDurableObjectAlarm(visitorStub(env, 'demo', visit.vid));
    expect(await countedEvents(visit.vid, 2)).toBe(2);
    expect((await outboxOf(visit.vid)).rows.map((row) => row.sends)).toEqual([2]);

    await endLease(visit.vid);
    await runDurableObjectAlarm(visitorStub(env, 'demo', visit.vid));
    expect(await outboxOf(visit.vid)).toEqual({ rows: [], alarm: null });
    expect(await eventsRolledUp(visit.vid)).toBe(2);
  });

  it('sends whole batches, at most 100 messages a send', async () => {
    const vid = uniqueId('vid');
    const pages = (n: number) => Array.from({ length: n }, (_, i) => pageView(`https://demo.example/p${i}`));
    for (let i = 0; i < 3; i++) expect((await post('/v1/collect', batch(pages(40), { vid }))).status).toBe(200);
    const sends = await runInDurableObject(visitorStub(env, 'demo', vid), async (instance, state) => {
      // Run by hand, once: the runtime's own alarm must not run a round meanwhile.
      await state.storage.deleteAlarm();
      await instance.alarm();
      return state.storage.sql
        .exec<Row>('SELECT sends FROM outbox ORDER BY rowid')
        .toArray()
        .map((row) => row.sends);
    });
    // 40 + 40 messages went; a third 40 would have made 120, so that batch waits for the next round.
    expect(sends).toEqual([1, 1, 0]);
    await runDurableObjectAlarm(visitorStub(env, 'demo', vid));
    expect(await countedEvents(vid, 120)).toBe(120);
  });

  it('brings a far alarm forward when new events arrive', async () => {
    const visit = batch([pageView()]);
    await post('/v1/collect', visit);
    await runDurableObjectAlarm(visitorStub(env, 'demo', visit.vid));
    expect((await outboxOf(visit.vid)).alarm).toBeGreaterThan(Date.now() + LEASE_MS / 2);
    await post('/v1/collect', batch([pageView()], { vid: visit.vid }));
    expect((await outboxOf(visit.vid)).alarm).toBeLessThan(Date.now() + 5_000);
  });

  it('sends soon a batch stored while the alarm awaits D1 after its send, not a lease later', async () => {
    const visit = batch([pageView()]);
    await post('/v1/collect', visit);
    const late = batch([pageView(), pageView()], { vid: visit.vid });
    const after = await runInDurableObject(visitorStub(env, 'demo', visit.vid), async (instance, state) => {
      // Run by hand, so the runtime's own alarm must not run it at the same time.
      await state.storage.deleteAlarm();
      // The alarm's last D1 call (noting the visitor active) is where, under load, a visitor's next
      // batch came in: the alarm then set itself to the sent rows' lease and the batch waited for it.
      const visitor = instance as unknown as { noteActive(now: number): Promise<void> };
      const noteActive = visitor.noteActive.bind(instance);
      visitor.noteActive = async (now) => {
        expect((await post('/v1/collect', late)).status).toBe(200);
        await noteActive(now);
      };
      await instance.alarm();
      // Read before anything else can reach the object: the alarm just set may fire at once.
      return {
        sends: state.storage.sql
          .exec<Row>('SELECT sends FROM outbox ORDER BY rowid')
          .toArray()
          .map((row) => row.sends),
        alarm: await state.storage.getAlarm(),
      };
    });
    // The first batch's row sent, the late batch's row not yet.
    expect(after.sends).toEqual([1, 0]);
    expect(after.alarm).toBeLessThan(Date.now() + 5_000);
    await runDurableObjectAlarm(visitorStub(env, 'demo', visit.vid));
    expect(await countedEvents(visit.vid, 3)).toBe(3);
  });
});

describe('the messages a visitor queues', () => {
  it('are built whole after the decision: visitor hash, channel and exposures in the row as first stored', async () => {
    // Abandoning the application on a tagged landing page: finish-app is decided for the hero slot.
    const visit = batch([
      pageView('https://demo.example/rates?utm_source=news&utm_medium=email'),
      formEvent('start', 1),
      formEvent('abandon', 2),
    ]);
    const answer = await (await post('/v1/collect', visit)).json<CollectResponse>();
    const [decided] = answer.decisions.offers;
    expect(decided?.offer).toBe('finish-app');
    const messages = await runInDurableObject(visitorStub(env, 'demo', visit.vid), (_instance, state) =>
      state.storage.sql
        .exec<{ message: string }>('SELECT message FROM outbox ORDER BY rowid')
        .toArray()
        .flatMap((row) => JSON.parse(row.message) as QueuedEvent[]),
    );
    const vh = await visitorHash('demo', visit.vid);
    expect(messages.map((message) => message.vh)).toEqual([vh, vh, vh]);
    expect(messages[0].utm).toEqual({ source: 'news', medium: 'email' });
    expect(messages[1].utm).toBeUndefined();
    // The last event's row carries every offer entry of the decision (a held-out visitor's entry and,
    // with holdout_mode next_best, the runner-up shown in its place), each with its learning context.
    expect(messages.slice(0, 2).map((message) => message.offers)).toEqual([undefined, undefined]);
    expect(messages[2].offers).toEqual(
      answer.decisions.offers.map(({ offer, variant, holdout }) =>
        expect.objectContaining({ offer, holdout, ...(variant ? { variant } : {}), context: expect.stringMatching(/^stage=/) }),
      ),
    );
    expect(messages[2].offers?.[0]).toMatchObject({ offer: 'finish-app', holdout: decided.holdout });

    await runDurableObjectAlarm(visitorStub(env, 'demo', visit.vid));
    expect(await countedEvents(visit.vid)).toBe(3);
    const channel = await env.DB.prepare('SELECT source, medium FROM page_views WHERE site = ? AND vh = ?')
      .bind('demo', vh)
      .first();
    expect(channel).toEqual({ source: 'news', medium: 'email' });
  });

  it("of a person's devices, queued by the person's profile, each carry that device's own visitor hash", async () => {
    const keyed = { authorization: `Bearer ${TEST_API_KEY}` };
    const uid = await sha256Hex(uniqueId('person'));
    const phone = batch([pageView()]);
    const laptop = batch([pageView()]);
    for (const device of [phone, laptop]) {
      await post('/v1/collect', device);
      expect((await post('/v1/identify', { site: 'demo', vid: device.vid, uid }, keyed)).status).toBe(200);
    }
    // Linked: each device's batches now go to the person's profile, in turn.
    for (const device of [phone, laptop, phone])
      expect((await post('/v1/collect', { ...device, events: [pageView()] })).status).toBe(200);
    const queued = await runInDurableObject(userStub(env, 'demo', uid), (_instance, state) =>
      state.storage.sql
        .exec<{ message: string }>('SELECT message FROM outbox ORDER BY rowid')
        .toArray()
        .flatMap((row) => JSON.parse(row.message) as QueuedEvent[]),
    );
    expect(queued.map((message) => message.vid)).toEqual([phone.vid, laptop.vid, phone.vid]);
    for (const message of queued) expect(message.vh).toBe(await visitorHash('demo', message.vid));
  });

  it('of an older deploy (no visitor hash, no channel) are still counted and confirmed', async () => {
    const visit = batch([pageView()]);
    await post('/v1/collect', visit);
    const old = { site: 'demo', vid: visit.vid, at: Date.now(), event: pageView('https://demo.example/?utm_source=old') };
    await runInDurableObject(visitorStub(env, 'demo', visit.vid), (_instance, state) => {
      state.storage.sql.exec('DELETE FROM outbox');
      state.storage.sql.exec('INSERT INTO outbox (id, message) VALUES (?, ?)', old.event.id, JSON.stringify(old));
    });
    await runDurableObjectAlarm(visitorStub(env, 'demo', visit.vid));
    expect(await countedEvents(visit.vid)).toBe(1);
    const vh = await visitorHash('demo', visit.vid);
    expect(await env.DB.prepare('SELECT source FROM page_views WHERE vh = ?').bind(vh).first('source')).toBe('old');
    await endLease(visit.vid);
    await runDurableObjectAlarm(visitorStub(env, 'demo', visit.vid));
    expect((await outboxOf(visit.vid)).rows).toEqual([]);
  });
});
