// Renders offers into [data-nb-slot] elements and as overlays (top-bar, slide-in, modal), each in
// its own shadow root so that page CSS and banner CSS stay apart. Server strings only ever become
// textContent; the CTA becomes a link only when it parses as an http(s) URL. Styles go through a
// constructable stylesheet, which a strict CSP allows without 'unsafe-inline'.
import { hideMs } from './config';
import { allowed } from './consent';
import { readJson, write } from './storage';
import { push } from './transport';
import type { Decision, OfferDecision } from './types';

const CSS =
  ':host{all:initial}div{display:block;position:fixed;z-index:2147483647;padding:9px 40px 9px 16px;background:#fff;color:#111;font:15px system-ui;box-shadow:0 2px 9px #0006}' +
  '.slot{position:relative}.top-bar{top:0;left:0;right:0}.slide-in{right:9px;bottom:9px;max-width:360px}' +
  '.modal{top:30%;left:0;right:0;margin:auto;max-width:480px;box-shadow:0 0 0 100vmax #0006}' +
  'b{display:block}a{display:inline-block;margin-top:6px;padding:6px 12px;background:#063;color:#fff}' +
  'button{position:absolute;top:0;right:0;padding:9px;border:0;background:0;font-size:20px}' +
  '@media(prefers-reduced-motion:no-preference){div{animation:nb .3s}}@keyframes nb{0%{opacity:0}}';

const handlers: Array<(offer: OfferDecision) => void> = [];
const shown: Record<string, string> = {};
const dismissed: string[] = readJson('nb_dismissed', []);
const slots = () => [...document.querySelectorAll<HTMLElement>('[data-nb-slot]')];
let sheet: CSSStyleSheet | undefined;

export const onOffer = (handler: (offer: OfferDecision) => void) => handlers.push(handler);

/** Anti-flicker: slots stay hidden until the first decision arrives or `hideMs` passes. */
export function hideSlots(): void {
  if (hideMs && allowed('personalization')) {
    for (const slot of slots()) slot.style.visibility = 'hidden';
    setTimeout(reveal, hideMs);
  }
}

function reveal(): void {
  for (const slot of slots()) slot.style.visibility = '';
}

function add<K extends keyof HTMLElementTagNameMap>(parent: Node, tag: K, text = ''): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  element.textContent = text;
  return parent.appendChild(element);
}

export function render(decision?: Decision): void {
  for (const offer of decision?.offers || []) {
    for (const handler of handlers) {
      try {
        handler(offer);
      } catch (error) {
        console.warn('nb:', error);
      }
    }
    const banner = offer.banner;
    const key = offer.slot + banner?.placement;
    const slot = slots().find((e) => e.dataset.nbSlot == offer.slot);
    const inSlot = banner?.placement == 'slot';
    if (banner && !offer.holdout && allowed('personalization') && !dismissed.includes(offer.offer) && shown[key] != offer.offer && (slot || !inSlot)) {
      shown[key] = offer.offer;
      show(offer, banner, inSlot && slot);
    }
  }
  reveal();
}

function show(offer: OfferDecision, banner: NonNullable<OfferDecision['banner']>, slot: HTMLElement | false | undefined): void {
  const event = (action: 'impression' | 'click' | 'dismiss') => push({ type: 'offer', offer: offer.offer, variant: offer.variant, action });
  const modal = banner.placement == 'modal';
  const previous = document.activeElement as HTMLElement | null;
  const host = document.createElement('div');
  const root = host.attachShadow({ mode: 'open' });
  try {
    if (!sheet) (sheet = new CSSStyleSheet()), sheet.replaceSync(CSS);
    root.adoptedStyleSheets = [sheet];
  } catch {
    // no constructable stylesheets (old browsers): the banner shows unstyled
  }
  const box = add(root, 'div');
  box.className = banner.placement;
  box.tabIndex = -1;
  box.role = modal ? 'dialog' : 'region';
  box.ariaLabel = banner.title;
  box.ariaModal = modal + '';
  add(box, 'b', banner.title);
  if (banner.body) add(box, 'p', banner.body);
  try {
    const url = new URL(banner.cta!.url);
    if (/^https?:$/.test(url.protocol)) {
      const link = add(box, 'a', banner.cta!.text);
      link.href = url.href;
      link.onclick = () => event('click');
    }
  } catch {
    // no CTA, or not a URL: no link
  }
  const button = add(box, 'button', '×');
  button.ariaLabel = 'Close';
  button.onclick = box.onkeydown = (e) => {
    if ((e as KeyboardEvent).key && (e as KeyboardEvent).key != 'Escape') return;
    host.remove();
    dismissed.push(offer.offer);
    write('nb_dismissed', JSON.stringify(dismissed.slice(-50)));
    event('dismiss');
    if (modal) previous?.focus();
  };
  slot ? slot.replaceChildren(host) : document.body.appendChild(host);
  if (modal) box.focus();
  new IntersectionObserver(
    ([entry], observer) => {
      if (entry.intersectionRatio >= 0.5) observer.disconnect(), event('impression');
    },
    { threshold: 0.5 },
  ).observe(box);
}
