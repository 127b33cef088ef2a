// `rules simulate`: replays a JSON-lines file of events (the wire format, plus optional `slots` and
// `context` per line, and a `vid` on the first) through the engine, printing score, stage, segments, offers and audiences.
import { Event } from '../../worker/schema/events';
import { describeIssue } from '../../worker/schema/issues';
import { applyEvent, decide, newVisitor, type CompiledRules, type RequestContext, type VisitorState } from '../../worker/engine';
import { scoreReasons } from '../../worker/engine/scoring';
import { loadRulesText } from './check';

interface Line {
  vid?: string;
  event: Event;
  slots: string[];
  context?: RequestContext;
}

export function simulate(rulesFile: string, rulesText: string, eventsFile: string, eventsText: string, print: (line: string) => void): number {
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
    let json: Record<string, unknown>;
    try {
      json = JSON.parse(raw) as Record<string, unknown>;
    } catch (error) {
      print(`${file}:${i + 1}: invalid JSON: ${(error as Error).message}`);
      failed = true;
      return;
    }
    const { slots = [], context, vid, ...event } = json;
    const parsed = Event.safeParse(event);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) print(`${file}:${i + 1}: ${Object.values(describeIssue(issue)).join(': ')}`);
      failed = true;
      return;
    }
    lines.push({ vid: vid as string | undefined, event: parsed.data, slots: slots as string[], context: context as RequestContext | undefined });
  });
  return failed ? null : lines;
}

function describeEvent(event: Event): string {
  switch (event.type) {
    case 'page': return `page ${event.url}`;
    case 'form': return `form ${event.form} ${event.action}${event.step ? ` step ${event.step}` : ''}`;
    case 'track': return `track ${event.name}${event.props ? ` ${JSON.stringify(event.props)}` : ''}`;
    case 'offer': return `offer ${event.offer}${event.variant ? `/${event.variant}` : ''} ${event.action}`;
    case 'identify': return 'identify';
  }
}

function report(rules: CompiledRules, state: VisitorState, line: Line, at: number, print: (line: string) => void): void {
  const decision = decide(rules, state, line.slots, at, line.context);
  const products = Object.entries(decision.score.products).map(([id, value]) => `${id} ${value}`).join(', ');
  print(`  score ${decision.score.total}${products ? ` (${products})` : ''}; because ${scoreReasons(rules, state.score, at).join(', ') || '-'}`);
  print(`  stage ${decision.stage}; segments ${decision.segments.join(', ') || '-'}`);
  for (const offer of decision.offers) {
    const shown = offer.holdout ? 'holdout, not shown' : `"${offer.banner?.title}"`;
    print(`  offer ${offer.slot}: ${offer.offer}${offer.variant ? `/${offer.variant}` : ''} ${shown}`);
    for (const reason of offer.reasons) print(`    - ${reason}`);
  }
  const unfilled = line.slots.filter((slot) => !decision.offers.some((offer) => offer.slot === slot));
  if (unfilled.length) print(`  no offer for ${unfilled.join(', ')}`);
  const join = decision.audiences.join.map((a) => `${a.id} until ${new Date(a.expires).toISOString().slice(0, 10)}`);
  print(`  audiences join ${join.join(', ') || '-'}; leave ${decision.audiences.leave.join(', ') || '-'}`);
}
