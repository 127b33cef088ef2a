// Folds one event into a visitor's state. Pure: the Durable Object stores what this returns.
import type { Event } from '../schema/events';
import type { CompiledRules } from './rules';
import type { VisitorState } from './state';

const counterOf = { page: 'pages', form: 'forms', track: 'tracks', offer: 'offers', identify: null } as const;

export function applyEvent(_rules: CompiledRules, state: VisitorState, event: Event, at: number): VisitorState {
  state.counters.events += 1;
  const counter = counterOf[event.type];
  if (counter) state.counters[counter] += 1;
  state.last_seen = Math.max(state.last_seen, at);
  return state;
}
