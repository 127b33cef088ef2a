// What the page does with each decision: offers go to the nb('on', 'offer') handlers, audience
// joins and leaves (with ads consent) to the nb('on', 'audience') ones, and banners to the
// renderer, nb-banners.js: an ES module beside nb.js that is loaded only when a decision has a
// banner to show, so that pages without one never download it. Slots stay hidden until then.
import { debug, hideMs, offset } from './config';
import { load } from './modules';
import { allowed } from './consent';
import { slots } from './slots';
import { push } from './transport';
import type { Decision } from './types';

/** Functions registered with nb('on', kind, fn), by kind. */
export const handlers: Record<string, Array<(detail: unknown) => void>> = { offer: [], audience: [] };

/**
 * Reserves each slot's declared height (data-nb-min-height, a CSS length) so that a banner does not
 * push the page down; anti-flicker: slots stay hidden until the first decision is shown or `hideMs`
 * passes.
 */
export function prepareSlots(): void {
  for (const slot of slots()) if (slot.dataset.nbMinHeight) slot.style.minHeight = slot.dataset.nbMinHeight;
  if (hideMs && allowed('personalization')) (reveal('hidden'), (timer = setTimeout(reveal, hideMs)));
}

/** The anti-flicker timeout, cleared when the first decision shows the slots first (one task less). */
let timer: ReturnType<typeof setTimeout>;

function reveal(visibility = ''): void {
  clearTimeout(timer);
  for (const slot of slots()) slot.style.visibility = visibility;
}

// Each handler in a task of its own: a page's handler that throws is the page's error and stops nothing here.
const tell = (kind: string, detail: unknown) => handlers[kind].map((handler) => setTimeout(handler, 0, detail));

export function show(decision: Decision): void {
  const { offers, audiences } = decision;
  if (debug) console.log('nb decision', decision);
  offers.map((offer) => tell('offer', offer));
  if (allowed('ads'))
    for (const action of ['join', 'leave'] as const)
      for (const { id, event_id } of audiences[action]) tell('audience', { audience: id, action, event_id });
  const banners = allowed('personalization') && offers.filter((offer) => offer.banner && !offer.holdout);
  if (banners && banners[0])
    load<typeof import('./banners')>('nb-banners.js')
      .then((renderer) => renderer.render(banners, push, decision.theme, offset))
      .catch((error) => console.warn('nb', error))
      .finally(reveal);
  else reveal();
}
