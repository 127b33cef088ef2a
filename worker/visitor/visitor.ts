// The Visitor Durable Object: one per (site, visitor). It stores the visitor's events once each
// (dedup by event id), folds them into the engine state, answers decisions, and hands new events
// to the analytics queue through an outbox so that none is lost when the queue is unavailable.
import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../env';
import type { Event } from '../schema/events';
import type { Decision } from '../schema/decision';
import { applyEvent, decide, newVisitor, type CompiledRules, type VisitorState } from '../engine';
import { sites } from '../../rules/sites';
import { correctedTime } from './clock';
import { migrate } from './storage';
import { TokenBucket } from './token-bucket';
import type { QueuedEvent } from '../analytics/message';

export interface CollectInput {
  site: string;
  vid: string;
  events: Event[];
  slots: string[];
  sentAt: number;
  receivedAt: number;
}

export type CollectResult =
  | { accepted: number; duplicates: number; decision: Decision }
  /** Over the visitor's rate: nothing was stored; retry after this many seconds. */
  | { retryAfter: number };

export interface DecideInput {
  site: string;
  vid: string;
  slots: string[];
  now: number;
}

// Generous for a person (a burst of 60 batches, one a second after that), tight for a script.
const BUCKET_CAPACITY = 60;
const BUCKET_PER_SECOND = 1;

export interface Profile {
  site: string;
  vid: string;
  events: number;
  state: VisitorState;
  recent: Array<{ id: string; type: string; at: number; received: number; event: Event }>;
}

const OUTBOX_BATCH = 100;

export class Visitor extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private bucket: TokenBucket | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    migrate(this.sql);
  }

  async collect(input: CollectInput): Promise<CollectResult> {
    this.bucket ??= new TokenBucket(BUCKET_CAPACITY, BUCKET_PER_SECOND, input.receivedAt);
    const retryAfter = this.bucket.take(input.receivedAt);
    if (retryAfter > 0) return { retryAfter };
    const rules = this.rulesFor(input.site);
    let duplicates = 0;
    const state = this.ctx.storage.transactionSync(() => {
      const state = this.loadState(input.site, input.vid, input.receivedAt);
      for (const event of input.events) {
        const at = correctedTime(event.ts, input.sentAt, input.receivedAt);
        const stored = this.sql.exec(
          'INSERT OR IGNORE INTO events (id, type, client_ts, at, received, body) VALUES (?, ?, ?, ?, ?, ?)',
          event.id, event.type, event.ts, at, input.receivedAt, JSON.stringify(event),
        ).rowsWritten;
        if (stored === 0) {
          duplicates += 1;
          continue;
        }
        applyEvent(rules, state, event, at);
        const message: QueuedEvent = { site: input.site, vid: input.vid, at, event };
        this.sql.exec('INSERT INTO outbox (id, message) VALUES (?, ?)', event.id, JSON.stringify(message));
      }
      this.saveState(state);
      return state;
    });
    if (duplicates < input.events.length) await this.scheduleFlush();
    return { accepted: input.events.length, duplicates, decision: decide(rules, state, input.slots) };
  }

  /** Decisions without new events; an unknown visitor gets them as a new one, and nothing is stored. */
  async decide(input: DecideInput): Promise<Decision> {
    const state = this.readMeta()?.state ?? newVisitor(input.vid, input.now);
    return decide(this.rulesFor(input.site), state, input.slots);
  }

  /** Erases everything this object stores (GDPR/CCPA); answers how many events there were. */
  async erase(): Promise<{ events: number }> {
    const events = this.readMeta() ? this.sql.exec<{ n: number }>('SELECT count(*) AS n FROM events').one().n : 0;
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    migrate(this.sql);
    return { events };
  }

  async profile(): Promise<Profile | null> {
    const meta = this.readMeta();
    if (!meta) return null;
    const events = this.sql.exec<{ n: number }>('SELECT count(*) AS n FROM events').one().n;
    const recent = this.sql
      .exec<{ id: string; type: string; at: number; received: number; body: string }>(
        'SELECT id, type, at, received, body FROM events ORDER BY at DESC LIMIT 50',
      )
      .toArray()
      .map(({ body, ...row }) => ({ ...row, event: JSON.parse(body) as Event }));
    return { site: meta.site, vid: meta.vid, events, state: meta.state, recent };
  }

  /** Sends the outbox to the analytics queue; on failure the alarm fires again (with backoff). */
  override async alarm(): Promise<void> {
    const rows = this.sql
      .exec<{ id: string; message: string }>('SELECT id, message FROM outbox ORDER BY rowid LIMIT ?', OUTBOX_BATCH)
      .toArray();
    if (rows.length === 0) return;
    await this.env.EVENTS.sendBatch(rows.map((row) => ({ body: JSON.parse(row.message) as QueuedEvent })));
    // Only what was sent is removed: events stored while sending wait for the next alarm.
    for (const row of rows) this.sql.exec('DELETE FROM outbox WHERE id = ?', row.id);
    const left = this.sql.exec<{ n: number }>('SELECT count(*) AS n FROM outbox').one().n;
    if (left > 0) await this.ctx.storage.setAlarm(Date.now());
  }

  private async scheduleFlush(): Promise<void> {
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now());
  }

  private rulesFor(site: string): CompiledRules {
    const rules = sites.get(site);
    // The route checks the site first; reaching here without rules is a programming error.
    if (!rules) throw new Error(`no rules for site ${site}`);
    return rules;
  }

  private readMeta(): { site: string; vid: string; state: VisitorState } | null {
    const row = this.sql.exec<{ site: string; vid: string; state: string }>('SELECT site, vid, state FROM visitor').toArray()[0];
    return row ? { site: row.site, vid: row.vid, state: JSON.parse(row.state) as VisitorState } : null;
  }

  private loadState(site: string, vid: string, now: number): VisitorState {
    const meta = this.readMeta();
    if (meta) return meta.state;
    this.sql.exec('INSERT INTO visitor (site, vid, state) VALUES (?, ?, ?)', site, vid, '{}');
    return newVisitor(vid, now);
  }

  private saveState(state: VisitorState): void {
    this.sql.exec('UPDATE visitor SET state = ?', JSON.stringify(state));
  }
}
