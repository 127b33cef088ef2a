// The impact preview of a draft: a sample of the visitors active in the last days (sample.ts), each
// asked to replay its stored events under the live rules and under the draft (Visitor.replay), and
// the differences counted: stage, segments, offer per slot, audiences, each with up to 20 examples
// and the reasons before and after. Nothing is written. The replays run in the visitors' own
// Durable Objects, in parallel, so this request only gathers: its CPU stays small at 1,000 visitors.
import type { Env } from '../env';
import type { Change, ChangeKind, Preview } from '../schema/rules';
import type { Replayed } from '../visitor/visitor';
import type { Document, Outcome } from './replay';
import { compiledDocument, slotsOf } from './replay';
import { ACTIVE_DAYS, activeSample } from './sample';

const EXAMPLES = 20;
/** Replays in flight at once: enough to overlap the round trips, few enough to stay polite. */
const PARALLEL = 50;

type Kind = 'stage' | 'segments' | 'offers' | 'audiences';

const list = (values: string[]) => (values.length ? values.join(', ') : '(none)');

/** Each difference between two outcomes, as a change of one kind (offers: one per slot). */
function differences(profile: string, before: Outcome, after: Outcome): Array<[Kind, Change]> {
  const change = (slot: string | undefined, was: string, now: string, why: (o: Outcome) => string[]): Change => ({
    visitor: profile,
    ...(slot ? { slot } : {}),
    before: was,
    after: now,
    reasons_before: why(before),
    reasons_after: why(after),
  });
  const out: Array<[Kind, Change]> = [];
  const score = (o: Outcome) => o.score;
  if (before.stage !== after.stage) out.push(['stage', change(undefined, before.stage, after.stage, score)]);
  if (list(before.segments) !== list(after.segments))
    out.push(['segments', change(undefined, list(before.segments), list(after.segments), score)]);
  for (const slot of new Set([...Object.keys(before.offers), ...Object.keys(after.offers)])) {
    const [was, now] = [before.offers[slot] ?? '(empty)', after.offers[slot] ?? '(empty)'];
    if (was !== now) out.push(['offers', change(slot, was, now, (o) => o.offer_reasons[slot] ?? ['no offer lists this slot'])]);
  }
  if (list(before.audiences) !== list(after.audiences))
    out.push(['audiences', change(undefined, list(before.audiences), list(after.audiences), score)]);
  return out;
}

const emptyKind = (): ChangeKind => ({ visitors: 0, transitions: {}, examples: [] });

export async function previewDraft(
  env: Pick<Env, 'DB' | 'VISITOR'>,
  input: { site: string; liveVersion: number; live: Document; draft: Document; sample: number; now: number },
): Promise<Preview> {
  const started = Date.now();
  const { site, now } = input;
  const slots = slotsOf(compiledDocument(input.live), compiledDocument(input.draft));
  const objects = await activeSample(env.DB, site, now, input.sample);
  const replayed: Replayed[] = [];
  for (let i = 0; i < objects.length; i += PARALLEL) {
    const chunk = objects.slice(i, i + PARALLEL).map((object) => {
      const stub = env.VISITOR.get(env.VISITOR.idFromString(object));
      return stub.replay({ site, live: input.live, draft: input.draft, slots, now }) as Promise<Replayed>;
    });
    replayed.push(...(await Promise.all(chunk)));
  }
  const kinds: Record<Kind, ChangeKind> = {
    stage: emptyKind(),
    segments: emptyKind(),
    offers: emptyKind(),
    audiences: emptyKind(),
  };
  const seen = new Set<string>();
  let changed = 0;
  for (const result of replayed) {
    // Devices linked to one person answer with the person's profile: counted once.
    if (!result || seen.has(result.profile)) continue;
    seen.add(result.profile);
    const found = differences(result.profile, result.before, result.after);
    if (found.length) changed += 1;
    const counted = new Set<Kind>();
    for (const [kind, change] of found) {
      const into = kinds[kind];
      if (!counted.has(kind)) into.visitors += 1;
      counted.add(kind);
      const key = `${change.slot ? `${change.slot}: ` : ''}${change.before} → ${change.after}`;
      into.transitions[key] = (into.transitions[key] ?? 0) + 1;
      if (into.examples.length < EXAMPLES) into.examples.push(change);
    }
  }
  return {
    site,
    live_version: input.liveVersion,
    sample: { window_days: ACTIVE_DAYS, visitors: objects.length, profiles: seen.size },
    changed,
    ...kinds,
    elapsed_ms: Date.now() - started,
  };
}
