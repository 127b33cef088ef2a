// Removes personal data from the free text of events: one rule, run by the snippet before an event
// is queued and by the worker again on whatever any client sent. Plain TypeScript without zod,
// since the snippet bundles it.
//
// The rule:
// - every word with an @ (or its escape %40) in it becomes `_`: e-mail addresses, also cut short
//   or percent-encoded, and @handles. A word runs between spaces and the characters that delimit
//   URLs and lists: / ? # & = : ; , < > ( ) and ".
// - every run of 9 or more digits becomes `_`, when at most two separators stand between each two
//   digits: space ( ) . - + (a space in a query string) or a %XX escape (so "%28415%29%20555-0100"
//   counts 10 digits). Nine is the shortest number that identifies a person here: a US social
//   security number, and a phone number with its area code (9 to 11 digits in the national
//   plans of the US, the UK, France, Germany); card numbers have 13 to 19. Up to 8 digits stay,
//   and a lender's analytics need them: dates (2026-12-04, 20261204), amounts (1500000), ids and
//   postcodes. The price is that a 7- or 8-digit number without its area code, or a UK account
//   number (8 digits), stays too; 7 would mask every ISO date, which a title or path often shows.
// - an http(s) URL keeps its origin exactly as it was sent (userinfo dropped, as URL.origin
//   does) and only its path, query and fragment are scrubbed: the text is never decoded and parsed
//   again, which could turn an escaped "%2F%2Fevil.example" into another host.
// - longer text is cut to the field's wire maximum before it is read, so the work is bounded
//   whatever a page passes; a word the cut splits is dropped, since what it is cannot be told.
//
// Linear time: a backtracking engine (which JavaScript's is) retries a pattern from every
// position, so "letters then @" takes n² steps on a long word without an @ (a 100 KB one took
// seconds). Here each pattern can start a word only after a delimiter, so each word is read once
// from its start; the digit pattern reads at most 8 digits before it fails. test/unit/scrub.test.ts
// holds 100 KB adversarial strings to well under 5 ms; test/bench/scrub.mjs prints the times.
/** The wire's maximum length of each free-text field (the schema in worker/schema/events.ts uses these). */
export const MAX_LENGTH = { url: 2048, ref: 2048, title: 300, step_name: 64, prop: 200 } as const;

const WORD_WITH_AT = /(^|[\s/?#&=:;,])[^\s/?#&=:;,@]*(@|%40)[^\s/?#&=:;,]*/g;
const LAST_WORD = /(^|[\s/?#&=:;,])[^\s/?#&=:;,]*$/;
// A number starts at the start, after a character that is neither a digit nor "%", or after a whole
// escape (kept by $1), so that the digits of an escape never start one.
const NUMBER = /(^|[^\d%]|%[\dA-F]{2})\d(?:(?:[\s().+-]|%[\dA-F]{2}){0,2}\d){8,}/gi;

/** `text` scrubbed and cut to at most `max` characters; an http(s) URL keeps its origin as it is. */
export function scrub(text: string, max: number): string {
  if (/^https?:/i.test(text)) {
    try {
      const { origin, pathname, search, hash } = new URL(text);
      // Cutting scrubbed text reveals nothing, so the whole is cut to `max` after the path is scrubbed.
      return (origin + scrubText(pathname + search + hash, max)).slice(0, max);
    } catch {
      // not a URL after all: scrubbed as text
    }
  }
  return scrubText(text, max);
}

function scrubText(text: string, max: number): string {
  if (text.length > max) text = text.slice(0, max).replace(LAST_WORD, '$1');
  return text.replace(WORD_WITH_AT, '$1_').replace(NUMBER, '$1_');
}

/**
 * The event with every free-text field scrubbed: the strings named in MAX_LENGTH, and (called again
 * with the property maximum) every string in props and traits, an event's only objects. Ids, names,
 * hashes and numbers are left as they are. One function for both levels: the snippet's bytes.
 */
export function scrubEvent<T extends object>(event: T, max?: number): T {
  const copy = { ...event } as Record<string, unknown>;
  for (const key in copy) {
    const value = copy[key];
    const limit = max || MAX_LENGTH[key as keyof typeof MAX_LENGTH];
    copy[key] =
      typeof value == 'string' && limit
        ? scrub(value, limit)
        : value && typeof value == 'object'
          ? scrubEvent(value, MAX_LENGTH.prop)
          : value;
  }
  return copy as T;
}
