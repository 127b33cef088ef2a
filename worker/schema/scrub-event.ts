// Applies scrubText to every free-text field of an event; ids and names are already constrained.
import type { Event } from './events';
import { scrubText, scrubUrl } from './scrub';

type Props = Record<string, string | number | boolean | null>;

function scrubProps(props: Props | undefined): Props | undefined {
  if (!props) return props;
  return Object.fromEntries(
    Object.entries(props).map(([key, value]) => [key, typeof value === 'string' ? scrubText(value) : value]),
  );
}

export function scrubEvent(event: Event): Event {
  switch (event.type) {
    case 'page':
      return {
        ...event,
        url: scrubUrl(event.url),
        ...(event.ref !== undefined ? { ref: /^https?:/i.test(event.ref) ? safeUrl(event.ref) : scrubText(event.ref) } : {}),
        ...(event.title !== undefined ? { title: scrubText(event.title) } : {}),
      };
    case 'form':
      return event.step_name === undefined ? event : { ...event, step_name: scrubText(event.step_name) };
    case 'track':
      return { ...event, props: scrubProps(event.props) };
    case 'identify':
      return { ...event, traits: scrubProps(event.traits) };
    case 'offer':
      return event;
  }
}

function safeUrl(url: string): string {
  try {
    return scrubUrl(url);
  } catch {
    return scrubText(url);
  }
}
