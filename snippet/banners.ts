// Renders offers into [data-nb-slot] elements and as overlays (top-bar, slide-in, modal), each in
// its own shadow root so that page CSS and banner CSS stay apart. Server strings only ever become
// textContent; the CTA becomes a link only when it parses as an http(s) URL. Styles are set through
// the CSSOM (element.style), which a strict CSP allows without 'unsafe-inline'. Nothing moves
// (no animation or transition), so prefers-reduced-motion has nothing to turn off.
//
// This is nb-banners.js, an ES module that nb.js imports only when a decision has a banner to show
// (snippet/decisions.ts), with the offers to render and the function that queues events.
import { readJson, store } from './storage';
import { slots } from './slots';
import type { Draft, OfferDecision } from './types';

/** Offers shown on this page, and those dismissed for good (remembered in localStorage). */
let done: string[] | undefined;

function add(parent: Node, tag: string, text?: string): HTMLElement {
  const element = document.createElement(tag);
  element.textContent = text!; // undefined becomes ''
  return parent.appendChild(element);
}

/** Shows each offer's banner (in the loop: a separate function gzips larger). */
export function render(offers: OfferDecision[], push: (draft: Draft) => void): void {
  done ||= readJson('nb_dismissed', []);
  for (const offer of offers) {
    try {
      const { offer: id, variant } = offer;
      const banner = offer.banner!;
      const slot = banner.placement == 'slot' && slots().find((e) => e.dataset.nbSlot == offer.slot);
      // Shown: not yet shown or dismissed, and its slot (if any) is on the page (nb.js has checked the rest).
      if (done!.includes(id) || slot == null) continue;
      done!.push(id);
      const event = (action: 'impression' | 'click' | 'dismiss') => push({ type: 'offer', offer: id, variant, action });
      const modal = banner.placement == 'modal';
      // Into the body; a slot banner moves into its slot once built.
      const host = add(document.body, 'div');
      // Nothing the page's styles would pass down (font, colour, …) is inherited into the banner.
      host.style.all = 'initial';
      const root = host.attachShadow({ mode: 'open' });
      // The modal is a native <dialog> opened with showModal(): the browser makes the rest of the page
      // inert, exposes it as an aria-modal dialog, and centres and frames it (so it needs no CSS of
      // ours). The overlays and slot banners are <section>s, which their label makes regions.
      const box = add(root, modal ? 'dialog' : 'section') as HTMLDialogElement;
      // Every box framed alike; the overlays (the top bar and the slide-in) fixed over the page, while
      // the slot banner stays in the page's flow and the browser places the modal.
      box.style.cssText =
        'padding:1em;background:#fff;border:1px solid;' +
        (slot || modal
          ? ''
          : 'position:fixed;z-index:99999999;' +
            (banner.placement == 'top-bar' ? 'inset:0 0 auto' : 'right:1em;bottom:1em;width:20em'));
      box.ariaLabel = banner.title;
      // The close button comes first: it floats right, and it is what the modal focuses.
      const button = add(box, 'button', '×');
      let link: HTMLElement | undefined;
      button.ariaLabel = 'Close';
      button.style.float = 'right';
      button.onclick = box.onkeydown = (e: Partial<KeyboardEvent>) => {
        // Focus trap: a modal's only focusable elements are this button and the link, so Tab and
        // Shift+Tab both move to the other one (or stay on the button). The dialog alone would let
        // Tab out of the page to the browser's own controls.
        if (e.key == 'Tab') {
          if (modal) (e.preventDefault!(), ((root.activeElement == button && link) || button).focus());
        } else if (!e.key || e.key == 'Escape') {
          // A click (no key) or Esc (a modal's Esc is handled here, before the dialog's own cancel).
          // Closing (before removing) hands focus back to where it was when the modal opened.
          if (modal) box.close();
          host.remove();
          store('nb_dismissed', JSON.stringify(readJson<string[]>('nb_dismissed', []).concat(id).slice(-50)));
          event('dismiss');
        }
      };
      add(box, 'b', banner.title);
      if (banner.body) add(box, 'p', banner.body);
      // Only an absolute http(s) URL becomes a link: the browser parses what starts so with that scheme.
      if (/^https?:\/\//i.test(banner.cta?.url!)) {
        link = add(box, 'a', banner.cta!.text);
        (link as HTMLAnchorElement).href = banner.cta!.url;
        link.onclick = () => event('click');
      }
      if (slot) slot.replaceChildren(host);
      if (modal) box.showModal();
      new IntersectionObserver(
        ([entry], observer) => {
          if (entry.intersectionRatio >= 0.5) (observer.disconnect(), event('impression'));
        },
        { threshold: 0.5 },
      ).observe(box);
    } catch (error) {
      // A banner that cannot be shown (an old browser, a page that broke a DOM API) stops no other.
      console.warn('nb', error);
    }
  }
}
