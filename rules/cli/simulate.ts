// `rules simulate`: replays a JSON-lines file of events (the wire format, plus optional `slots` and
// `context` per line, and a `vid` on the first) through the engine, printing score, stage, segments, offers and audiences.
import { utcDate } from '../../worker/lib/time';
import * as z from '../../worker/lib/zod';
import { Event } from '../../worker/schema/events';
import { DecideRequest } from '../../worker/schema/decide';
import { describeIssue } from '../../worker/schema/issues';
import { applyEvent, decide, newVisitor, whyUnfilled, type CompiledRules, type VisitorState } from '../../worker/engine';
import { RequestContext } from '../../worker/engine/context';
import { scoreReasons } from '../../worker/engine/scoring';
import { loadRulesText } from './check';

/** What a line carries besides the event: the visitor id (first line), the slots to fill, the request. */
const Extras = z.object({
  vid: z.optional(z.string().check(z.minLength(1))),
  slots: DecideRequest.shape.slots,
  context: z.optional(RequestContext),
});
const EXTRAS = Object.keys(Extras.shape);

type Line = z.infer<typeof Extras> & { event: Event };

export function simulate(
  rulesFile: string,
  rulesText: string,
  eventsFile: string,
  eventsText: string,
  print: (line: string) => void,
): number {
  const loaded = loadRulesText(rulesFile, rulesText);
  if (!loaded.ok) {
    loaded.problems.forEach((problem) => print(problem));
    return 1;
  }
  const lines = parseLines(eventsFile, eventsText, print);
  if (!lines) return 1;
  let state: VisitorState | null = null;
  for (const [index, line] of lines.entries()) {
    const at = line.event.ts;
    state ??= newVisitor(line.vid ?? 'simulated-visitor', at);
    applyEvent(loaded.rules, state, line.event, at, line.context);
    print(`#${index + 1} ${new Date(at).toISOString()} ${describeEvent(line.event)}`);
    report(loaded.rules, state, line, at, print);
  }
  return 0;
}

function parseLines(file: string, text: string, print: (line: string) => void): Line[] | null {
  const lines: Line[] = [];
  let failed = false;
  text.split('\n').forEach((raw, i) => {
    if (!raw.trim() || raw.trimStart().startsWith('//')) return;
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch (error) {
      print(`${file}:${i + 1}: invalid JSON: ${(error as Error).message}`);
      failed = true;
      return;
    }
    const extras = Extras.safeParse(json);
    const event = Event.safeParse(withoutExtras(json));
    if (!extras.success || !event.success) {
      const issues = [...(extras.error?.issues ?? []), ...(event.error?.issues ?? [])];
      // A line that is not an object fails both schemas the same way: say it once.
      const reasons = new Set(issues.map((issue) => Object.values(describeIssue(issue)).join(': ')));
      for (const reason of reasons) print(`${file}:${i + 1}: ${reason}`);
      failed = true;
      return;
    }
    lines.push({ ...extras.data, event: event.data });
  });
  return failed ? null : lines;
}

/** The event itself: the line without the keys that only `simulate` reads. */
function withoutExtras(json: unknown): unknown {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return json;
  return Object.fromEntries(Object.entries(json).filter(([key]) => !EXTRAS.includes(key)));
}

function describeEvent(event: Event): string {
  switch (event.type) {
    case 'page':
      return `page ${event.url}`;
    case 'form':
      return `form ${event.form} ${event.action}${event.step ? ` step ${event.step}` : ''}`;
    case 'track':
      return `track ${event.name}${event.props ? ` ${JSON.stringify(event.props)}` : ''}`;
    case 'offer':
      return `offer ${event.offer}${event.variant ? `/${event.variant}` : ''} ${event.action}`;
    case 'identify':
      return 'identify';
  }
}

function report(rules: CompiledRules, state: VisitorState, line: Line, at: number, print: (line: string) => void): void {
  const decision = decide(rules, state, line.slots, at, line.context);
  const products = Object.entries(decision.score.products)
    .map(([id, value]) => `${id} ${value}`)
    .join(', ');
  print(
    `  score ${decision.score.total}${products ? ` (${products})` : ''}; because ${scoreReasons(rules, state.score, at).join(', ') || '-'}`,
  );
  print(`  stage ${decision.stage || '-'}; segments ${decision.segments.join(', ') || '-'}`);
  for (const offer of decision.offers) {
    const shown = offer.holdout ? 'holdout, not shown' : `"${offer.banner?.title}"`;
    print(`  offer ${offer.slot}: ${offer.offer}${offer.variant ? `/${offer.variant}` : ''} ${shown}`);
    for (const reason of offer.reasons) print(`    - ${reason}`);
  }
  for (const slot of line.slots.filter((wanted) => !decision.offers.some((offer) => offer.slot === wanted))) {
    print(`  no offer for ${slot}`);
    for (const reason of whyUnfilled(rules, state, slot, at, line.context)) print(`    - ${reason}`);
  }
  const join = decision.audiences.join.map((a) => `${a.id} until ${utcDate(a.expires)}`);
  print(`  audiences join ${join.join(', ') || '-'}; leave ${decision.audiences.leave.map((a) => a.id).join(', ') || '-'}`);
}
