// The Visitor Durable Object: one per (site, visitor), plus one per (site, user id) for identified
// people. It stores each event once (dedup by id), folds events into the engine state, answers
// decisions, and hands new events to the analytics queue through an outbox, so none is lost when
// the queue is unavailable. Merge rule: a visitor identified as user U moves its events into U's
// profile, which refolds all its events in time order (so the result does not depend on which
// device identified first); the visitor then forwards everything to U.
// Its tables are read and written only through storage.ts and outbox.ts.
import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../env';
import type { Event } from '../schema/events';
import type { Decision } from '../schema/decision';
import type { Profile } from '../schema/profile';
import {
  applyEvent,
  decide,
  newVisitor,
  noFacts,
  type CompiledRules,
  type ReasonScope,
  type RequestContext,
  type VisitorState,
} from '../engine';
import { consentOf } from './consent';
import { liveRules } from '../rules/live';
import { queuedEvent, type KeyedEvent, type QueuedExposure } from '../analytics/message';
import { customerSince, personFacts } from '../analytics/person';
import { visitorHash } from '../analytics/visitor-hash';
import { offerRates } from '../analytics/offer-rates';
import { correctedTime } from './clock';
import * as store from './storage';
import * as outbox from './outbox';
import { TokenBucket } from './token-bucket';
import { forgetIdentityStatement, identityStatement, membershipStatements, type MemberIdentity } from '../audiences/members';
import { currentClickIds } from '../engine/click-ids';
import { contextKey } from '../engine/context-rates';
import { webhookMessages } from '../audiences/webhooks';
import { userProfileId, userStub, visitorStub } from './stub';
import { noteActive } from '../rules/sample';
import { compiledDocument, replayOutcome, type Document, type Outcome } from '../rules/replay';
import { HOUR_MS } from '../lib/time';

export interface CollectInput {
  site: string;
  vid: string;
  events: Event[];
  slots: string[];
  sentAt: number;
  receivedAt: number;
  /** The snippet's session id, carried to analytics so sessions are the browser's own. */
  sid?: string;
  /** What the route knows of the request (device, country); consent comes from events. */
  request?: RequestContext;
  /**
   * User ids this batch may link the visitor to (a verified identify, or the API key): any other
   * identify is recorded on this visitor only, never merged into that user's profile.
   */
  verified: string[];
  scope: ReasonScope;
  /** Set by a merged visitor forwarding its batch: the user id whose profile this object is. */
  user?: string;
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
  request?: RequestContext;
  scope: ReasonScope;
}

export interface ReplayInput {
  site: string;
  live: Document;
  draft: Document;
  slots: string[];
  now: number;
}

/** A profile under the live rules and under a draft; null for an object that stores nothing. */
export type Replayed = { profile: string; before: Outcome; after: Outcome } | null;

export interface AbsorbInput {
  site: string;
  uid: string;
  vid: string;
  events: store.StoredEvent[];
  now: number;
}

// Generous for a person (a burst of 60 batches, one a second after that), tight for a script.
const BUCKET_CAPACITY = 60;
const BUCKET_PER_SECOND = 1;
const OUTBOX_DELAY_MS = 1000;

export class Visitor extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private bucket: TokenBucket | undefined;
  private linking: Promise<void> | undefined;
  private alarmFailures = 0;
  /** When this object last told D1 it was active (rules/sample.ts); 0 in a fresh isolate. */
  private notedActiveAt = 0;
  /**
   * The last visitor hash computed, kept as a value (lib/isolate-value.ts says why not a promise): a
   * visitor's object hashes the same site and id for every batch.
   */
  private hashed: { key: string; hash: string } | undefined;
  /**
   * Whether this object has its tables. They are created by its first write, not on arrival: an
   * object only asked to decide, for a visitor id never seen, stores nothing at all.
   */
  private hasTables: boolean;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.hasTables = store.hasTables(this.sql);
    // Objects from older deploys get the columns added since.
    if (this.hasTables) this.createTables();
  }

  async collect(input: CollectInput): Promise<CollectResult> {
    this.bucket ??= new TokenBucket(BUCKET_CAPACITY, BUCKET_PER_SECOND, input.receivedAt);
    const retryAfter = this.bucket.take(input.receivedAt);
    if (retryAfter > 0) return { retryAfter };
    // Awaited first: from the merge check to the outbox rows, nothing below awaits, so no other
    // request can come between a batch's events, its decision and its analytics messages.
    const { rules, decideFor } = await this.decider(input.site, input.receivedAt, input.scope);
    const vh = await this.visitorHash(input.site, input.vid);
    const person = await this.personKeys(input, vh);
    // Read once, for the merge check and the batch alike: nothing awaits between here and the batch's
    // transaction but the linking below, after which it is read again.
    let meta = this.meta();
    // A batch that identifies an anonymous visitor links it first and then goes, whole, to the
    // user's profile, which stores, decides and queues it like any batch of a merged visitor.
    const identified =
      meta?.mergedInto || input.user
        ? undefined
        : input.events.find((event) => event.type === 'identify' && input.verified.includes(event.uid));
    if (identified?.type === 'identify') {
      await this.linkUser(input.site, input.vid, identified.uid, input.receivedAt);
      meta = this.meta();
    }
    const merged = meta?.mergedInto;
    if (merged)
      return userStub(this.env, input.site, merged)
        .collect({ ...input, user: merged })
        .then((result) => withVid(result, input.vid));

    const { decision, fresh } = store.transaction(this.ctx.storage, this.sql, () =>
      this.store(rules, input, vh, person, decideFor, meta),
    );
    if (fresh > 0) await this.scheduleFlush();
    return { accepted: input.events.length, duplicates: input.events.length - fresh, decision };
  }

  /** Decisions without new events; an unknown visitor gets them as a new one, and nothing is stored. */
  async decide(input: DecideInput): Promise<Decision> {
    const { decideFor } = await this.decider(input.site, input.now, input.scope);
    // One read for both the merge and the state: in a CPU profile of decide, each query cost about
    // what the decision itself did.
    const meta = this.meta();
    if (meta?.mergedInto) return { ...(await userStub(this.env, input.site, meta.mergedInto).decide(input)), vid: input.vid };
    return { ...decideFor(meta?.state ?? newVisitor(input.vid, input.now), input.slots, input.request), vid: input.vid };
  }

  /**
   * Links this visitor to a user id (from /v1/identify) and merges. Hashed identifiers, when given,
   * are recorded on the person as a verified identify event.
   */
  async identify(input: IdentifyInput): Promise<{ profile: string; linked: string[] }> {
    if (!this.mergedUser()) await this.linkUser(input.site, input.vid, input.uid, input.now);
    if (input.email_sha256 || input.phone_sha256 || input.phone_digits_sha256) {
      const { site, vid, uid, now, email_sha256, phone_sha256, phone_digits_sha256 } = input;
      const event: Event = {
        id: `api-identify-${crypto.randomUUID()}`,
        ts: now,
        type: 'identify',
        uid,
        ...(email_sha256 ? { email_sha256 } : {}),
        ...(phone_sha256 ? { phone_sha256 } : {}),
        ...(phone_digits_sha256 ? { phone_digits_sha256 } : {}),
      };
      const base = { site, vid, slots: [], sentAt: now, receivedAt: now, verified: [uid], scope: 'full' as const };
      await userStub(this.env, site, this.mergedUser()!).collect({ ...base, events: [event], user: this.mergedUser()! });
    }
    const user = await userStub(this.env, input.site, this.mergedUser()!).profile();
    return { profile: userProfileId(this.mergedUser()!), linked: user?.linked ?? [input.vid] };
  }

  /** On a user's profile: takes in a visitor's events, then refolds every event in time order. */
  async absorb(input: AbsorbInput): Promise<void> {
    const rules = await this.rulesFor(input.site);
    store.transaction(this.ctx.storage, this.sql, () => {
      this.createTables();
      if (!this.meta())
        store.createMeta(
          this.sql,
          input.site,
          userProfileId(input.uid),
          newVisitor(userProfileId(input.uid), input.now),
          input.uid,
        );
      // Already queued for analytics by the visitor that first stored them: not queued again.
      for (const event of input.events) store.insertEvent(this.sql, event);
      store.addLink(this.sql, input.vid, input.now);
      const before = this.meta()!.state.audiences;
      const first = store.firstEventAt(this.sql) ?? input.now;
      const state = newVisitor(userProfileId(input.uid), first);
      for (const { event, at, consent } of store.eventsInOrder(this.sql))
        applyEvent(rules, state, event, at, { consent: consentOf(event) ?? consent });
      store.noteAudienceChanges(this.sql, before, state.audiences);
      store.saveState(this.sql, state);
    });
    await this.scheduleFlush();
  }

  /**
   * The rules preview: this profile's events replayed under the live rules and under a draft, and
   * the decisions each would make now. Reads only: nothing is stored, nothing queued.
   */
  async replay(input: ReplayInput): Promise<Replayed> {
    const meta = this.meta();
    if (!meta) return null;
    if (meta.mergedInto) return (await userStub(this.env, input.site, meta.mergedInto).replay(input)) as Replayed;
    const observed = await offerRates(this.env.DB, input.site, input.now);
    const events = () =>
      [...store.eventsInOrder(this.sql)].map((row) => ({ ...row, consent: consentOf(row.event) ?? row.consent }));
    const outcome = (document: Document) =>
      replayOutcome(compiledDocument(document), meta.vid, events(), input.slots, input.now, observed);
    return { profile: meta.vid, before: outcome(input.live), after: outcome(input.draft) };
  }

  /** Erases everything this object stores (GDPR/CCPA); a user's profile also erases its linked visitors. */
  async erase(): Promise<{ events: number; vids: string[]; uid: string | null }> {
    const meta = this.meta();
    if (meta?.mergedInto) {
      const user = userStub(this.env, meta.site, meta.mergedInto);
      const erased = await user.erase();
      await this.wipe();
      return { events: erased.events, vids: [...new Set([meta.vid, ...erased.vids])], uid: erased.uid };
    }
    const events = meta ? store.eventCount(this.sql) : 0;
    const vids = meta?.uid ? store.linkedVids(this.sql) : meta ? [meta.vid] : [];
    if (meta?.uid) {
      for (const vid of vids) await visitorStub(this.env, meta.site, vid).wipe();
    }
    await this.wipe();
    return { events, vids, uid: meta?.uid ?? null };
  }

  /** Deletes this object's storage, nothing else. */
  async wipe(): Promise<void> {
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    store.forget(this.sql);
    this.hasTables = false;
  }

  async profile(): Promise<Profile | null> {
    const meta = this.meta();
    if (!meta) return null;
    // The RPC stub's type widens tuples to arrays; the value is the same Profile.
    if (meta.mergedInto) return (await userStub(this.env, meta.site, meta.mergedInto).profile()) as Profile | null;
    return {
      site: meta.site,
      vid: meta.vid,
      uid: meta.uid,
      linked: meta.uid ? store.linkedVids(this.sql) : [],
      events: store.eventCount(this.sql),
      state: withCurrentClickIds(meta.state, Date.now()),
      recent: store.recentEvents(this.sql, 50),
    };
  }

  /**
   * Mirrors audience changes to D1 and delivers the analytics outbox (outbox.ts); a failure is
   * retried a little later, as the consumer and the mirror are idempotent.
   */
  override async alarm(): Promise<void> {
    // Set only after a write; one left from before an erasure finds nothing to do.
    if (!this.hasTables) return;
    const now = Date.now();
    const lease = outbox.leaseMs(this.env);
    let next: number | null;
    try {
      await this.syncAudiences();
      await outbox.deliver(this.sql, this.env, now, lease);
      await this.noteActive(now);
      this.alarmFailures = 0;
      // Read after the last await: a batch stored while this alarm awaited has no alarm of its own
      // (the one it set, if any, is replaced below), so its rows must make the next round now.
      next = outbox.nextRound(this.sql, now);
    } catch (error) {
      // Retried here, from a second doubling up to a lease, rather than by the runtime, which gives
      // up on an alarm after a few failures. A queue send may fail now and then (the local queue
      // does under load); D1 or the queue down for long gets a retry a lease apart from each object.
      const delay = Math.min(1000 * 2 ** this.alarmFailures++, lease);
      console.error(`visitor alarm failed; retrying in ${delay / 1000} s: ${String(error)}`);
      next = now + delay;
    }
    if (next !== null) await this.ctx.storage.setAlarm(next);
  }

  /** Lists this object among the site's active visitors, for the rules preview; hourly is precise enough. */
  private async noteActive(now: number): Promise<void> {
    const meta = this.meta();
    if (!meta || meta.mergedInto || now - this.notedActiveAt < HOUR_MS) return;
    await noteActive(this.env.DB, meta.site, await this.visitorHash(meta.site, meta.vid), this.ctx.id.toString(), now);
    this.notedActiveAt = now;
  }

  /**
   * Mirrors the recorded membership changes, and the member's identifiers when they changed, to D1,
   * and queues the webhooks. A browser merged into its person has its identifiers row deleted: the
   * person's row speaks for it.
   */
  private async syncAudiences(): Promise<void> {
    const meta = this.meta();
    if (!meta) return;
    const now = Date.now();
    const pending = store.pendingAudienceChanges(this.sql);
    const identity = meta.mergedInto || Object.keys(meta.state.audiences).length === 0 ? null : this.identity(meta);
    const mirrored = store.mirrored(this.sql, 'identity');
    const identityJson = identity && JSON.stringify(identity);
    const statements = membershipStatements(
      this.env.DB,
      pending.map(({ audience, member }) => ({ site: meta.site, audience, vid: meta.vid, uid: meta.uid, member })),
    );
    if (identity && identityJson !== mirrored) statements.push(identityStatement(this.env.DB, identity, now));
    if (meta.mergedInto && mirrored !== null) statements.push(forgetIdentityStatement(this.env.DB, meta.site, meta.vid));
    if (statements.length === 0) return;
    await this.env.DB.batch(statements);
    const changes = pending.map(({ audience, member }) => ({ site: meta.site, audience, vid: meta.vid, uid: meta.uid, member }));
    const hooks = webhookMessages(await this.rulesFor(meta.site), changes, now);
    if (hooks.length) await this.env.WEBHOOKS.sendBatch(hooks.map((body) => ({ body })));
    // Only the rows mirrored are cleared: a change recorded meanwhile waits for the next alarm.
    store.clearAudienceChanges(this.sql, pending);
    store.noteMirrored(this.sql, 'identity', meta.mergedInto ? null : (identityJson ?? mirrored));
  }

  /** What ad platforms can match this profile's member by (click ids as stored; readers drop the stale). */
  private identity(meta: store.Meta): MemberIdentity {
    const { state } = meta;
    return {
      site: meta.site,
      vid: meta.vid,
      uid: meta.uid,
      vids: meta.uid ? store.linkedVids(this.sql) : [meta.vid],
      email_sha256: state.email_sha256 ?? null,
      phone_sha256: state.phone_sha256 ?? null,
      phone_digits_sha256: state.phone_digits_sha256 ?? null,
      click_ids: state.click_ids ?? {},
      consent: state.consent,
    };
  }

  /**
   * Stores the new events of a batch, folds them in, decides, and queues the analytics messages
   * built after that decision (its exposures ride on the batch's last new event); runs inside one
   * storage transaction, so events, state and messages are stored together or not at all.
   */
  private store(
    rules: CompiledRules,
    input: CollectInput,
    vh: string,
    person: PersonKeys,
    decideFor: Decider,
    meta: store.Meta | null,
  ): { decision: Decision; fresh: number } {
    // The constructor brings an existing object's tables up to date: only a new (or erased) one needs them.
    if (!this.hasTables) this.createTables();
    const profileId = input.user ? userProfileId(input.user) : input.vid;
    const state = meta?.state ?? newVisitor(profileId, input.receivedAt);
    if (!meta) store.createMeta(this.sql, input.site, profileId, state, input.user);
    // A visitor linked before it stored any event reaches its user's profile first this way.
    if (input.user && input.vid !== profileId) store.addLink(this.sql, input.vid, input.receivedAt);
    const audiencesBefore = structuredClone(state.audiences);
    const fresh: KeyedEvent[] = [];
    for (const sent of input.events) {
      const event = trusted(sent, input);
      const at = correctedTime(event.ts, input.sentAt, input.receivedAt);
      const row = {
        id: event.id,
        type: event.type,
        client_ts: event.ts,
        at,
        received: input.receivedAt,
        body: JSON.stringify(event),
        consent: input.request?.consent ? JSON.stringify(input.request.consent) : null,
      };
      if (!store.insertEvent(this.sql, row)) continue;
      const from = state.stage;
      const since = customerSince(rules, state);
      const facts = noFacts();
      applyEvent(rules, state, event, at, { ...input.request, consent: consentOf(event) ?? input.request?.consent }, facts);
      const stage = state.stage !== from ? { from, to: state.stage } : undefined;
      const who = { ...person, wasCustomer: since !== undefined && since < at };
      fresh.push(
        queuedEvent({
          site: input.site,
          vid: input.vid,
          vh,
          at,
          event,
          sid: input.sid,
          ...(stage ? { stage } : {}),
          device: input.request?.device,
          person: personFacts(rules, state, event, at, facts, who),
        }),
      );
    }
    store.noteAudienceChanges(this.sql, audiencesBefore, state.audiences);
    store.saveState(this.sql, state);
    const decision = decideFor(state, input.slots, input.request);
    const last = fresh.at(-1);
    if (last && decision.offers.length > 0) last.offers = exposuresOf(rules, decision, input.request?.device);
    outbox.add(this.sql, fresh);
    return { decision, fresh: fresh.length };
  }

  /**
   * Who the lifecycle KPIs count: the person is the user's profile on a user's object (with the
   * visitors merged into it), else the visitor itself.
   */
  private async personKeys(input: CollectInput, vh: string): Promise<PersonKeys> {
    if (!input.user) return { ph: vh };
    const profileId = userProfileId(input.user);
    const vids = new Set(this.hasTables ? store.linkedVids(this.sql) : []);
    if (input.vid !== profileId) vids.add(input.vid);
    return {
      ph: await visitorHash(input.site, profileId),
      linked: await Promise.all([...vids].map((vid) => visitorHash(input.site, vid))),
    };
  }

  /** Links this anonymous visitor to a user's profile, creating its row first if it has none. */
  private linkUser(site: string, vid: string, uid: string, now: number): Promise<void> {
    this.createTables();
    if (!this.meta()) store.createMeta(this.sql, site, vid, newVisitor(vid, now));
    return this.linkTo(site, vid, uid);
  }

  private createTables(): void {
    store.migrate(this.sql);
    outbox.migrate(this.sql);
    this.hasTables = true;
  }

  private meta(): store.Meta | null {
    return this.hasTables ? store.readMeta(this.sql) : null;
  }

  /**
   * Moves this visitor's events into the user's profile. Requests may interleave while the user's
   * object is called, so it repeats until no event is left behind, then switches to forwarding in
   * the same synchronous step that finds nothing left.
   */
  private linkTo(site: string, vid: string, uid: string): Promise<void> {
    this.linking ??= (async () => {
      const user = userStub(this.env, site, uid);
      let sent = 0;
      for (;;) {
        const rows = store.eventsAfter(this.sql, sent);
        if (rows.length === 0) {
          store.transaction(this.ctx.storage, this.sql, () => {
            store.markMerged(this.sql, uid);
            this.retireMemberships(Date.now());
          });
          return this.scheduleFlush();
        }
        await user.absorb({ site, uid, vid, events: rows.map(({ rowid: _rowid, ...row }) => row), now: Date.now() });
        sent = rows[rows.length - 1].rowid;
      }
    })().finally(() => (this.linking = undefined));
    return this.linking;
  }

  /**
   * A browser linked to its person stops being a member on its own: its current memberships end now
   * (mirrored and told to webhooks as leaves by the next alarm), and the person's profile, which has
   * refolded this browser's events, holds the person's memberships from then on. So a person is one
   * member however many browsers they use, and a member while their merged history keeps them one.
   */
  private retireMemberships(now: number): void {
    const meta = this.meta();
    if (!meta) return;
    const before = structuredClone(meta.state.audiences);
    for (const member of Object.values(meta.state.audiences)) {
      if (member.left === undefined && member.expires > now) member.left = now;
    }
    if (store.noteAudienceChanges(this.sql, before, meta.state.audiences)) store.saveState(this.sql, meta.state);
  }

  /**
   * The one place decisions are made, for collect and decide alike. The rules (one version for the
   * whole request: its events and its decision) and what all visitors did with each offer are read
   * first (from D1, cached): collect must not await between storing a batch and noting its
   * exposures, or an earlier batch's alarm could send the new events without them.
   */
  private async decider(site: string, now: number, scope: ReasonScope): Promise<{ rules: CompiledRules; decideFor: Decider }> {
    const rules = await this.rulesFor(site);
    const observed = await offerRates(this.env.DB, site, now);
    return { rules, decideFor: (state, slots, request) => decide(rules, state, slots, now, request, observed, scope) };
  }

  private async visitorHash(site: string, vid: string): Promise<string> {
    const key = `${site}\n${vid}`;
    if (this.hashed?.key === key) return this.hashed.hash;
    const hash = await visitorHash(site, vid);
    this.hashed = { key, hash };
    return hash;
  }

  private mergedUser(): string | null {
    return this.hasTables ? store.mergedInto(this.sql) : null;
  }

  /**
   * New events go out a moment later, so a visitor's quick successive batches share one send; an
   * alarm already set further off (a lease, a retry) is brought forward.
   */
  private async scheduleFlush(): Promise<void> {
    const soon = Date.now() + OUTBOX_DELAY_MS;
    const set = await this.ctx.storage.getAlarm();
    if (set === null || set > soon) await this.ctx.storage.setAlarm(soon);
  }

  private async rulesFor(site: string): Promise<CompiledRules> {
    const live = await liveRules.site(this.env, site);
    // The route checks the site first; reaching here without rules is a programming error.
    if (!live) throw new Error(`no rules for site ${site}`);
    return live.rules;
  }
}

type PersonKeys = { ph: string; linked?: string[] };

export interface IdentifyInput {
  site: string;
  vid: string;
  uid: string;
  now: number;
  email_sha256?: string;
  phone_sha256?: string;
  phone_digits_sha256?: string;
}

/**
 * The event as this profile may keep it: an identify's hashed e-mail and phone only reach a person's
 * profile from an identify verified for that very person (its signature, or the API key). Anyone can
 * hash someone else's address; an unverified one is recorded without them, so it can put no one in
 * an ad platform's audience.
 */
function trusted(event: Event, input: CollectInput): Event {
  if (event.type !== 'identify' || (!event.email_sha256 && !event.phone_sha256 && !event.phone_digits_sha256)) return event;
  if (input.user === event.uid && input.verified.includes(event.uid)) return event;
  const { email_sha256: _email, phone_sha256: _phone, phone_digits_sha256: _digits, ...rest } = event;
  return rest;
}

/** The state as a reader sees it now: click ids past their 90 days left out. */
function withCurrentClickIds(state: VisitorState, now: number): VisitorState {
  if (!state.click_ids) return state;
  const click_ids = currentClickIds(state.click_ids, now);
  const { click_ids: _stored, ...rest } = state;
  return Object.keys(click_ids).length ? { ...rest, click_ids } : rest;
}

type Decider = (state: VisitorState, slots: readonly string[], request?: RequestContext) => Decision;

/**
 * What analytics compares for lift: every offer decided, the held-out ones included, each with the
 * visitor's context for that offer's `learn_by` (the engine ranked it on that context's rate).
 */
function exposuresOf(rules: CompiledRules, decision: Decision, device: string | undefined): QueuedExposure[] {
  const facts = { stage: decision.stage, segments: decision.segments, device };
  return decision.offers.map(({ offer, variant, holdout }) => {
    const learnBy = rules.offers.get(offer)?.learnBy ?? [];
    return { offer, variant, holdout, ...(learnBy.length ? { context: contextKey(learnBy, facts) } : {}) };
  });
}

function withVid(result: CollectResult, vid: string): CollectResult {
  return 'decision' in result ? { ...result, decision: { ...result.decision, vid } } : result;
}
