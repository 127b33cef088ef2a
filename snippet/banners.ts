// Renders offers into [data-nb-slot] elements and as overlays (top-bar, slide-in, modal), each in
// its own shadow root so that page CSS and banner CSS stay apart. Server strings only ever become
// textContent; the CTA becomes a link only when it resolves (against the page) to an http(s) URL.
// Styles are set through the CSSOM (element.style), which a strict CSP allows without
// 'unsafe-inline'. Nothing moves (no animation or transition), so prefers-reduced-motion has
// nothing to turn off.
//
// Banners look native: they inherit the page's font and text colour, take their accent, radius,
// spacing and frame from the page's --nb-* custom properties (which cross the shadow boundary),
// falling back to the rules' theme, then to neutral defaults; every element is a ::part() the page
// may style. A top bar sits in the page's flow (after the element data-nb-offset names, or first
// in the body), so it pushes the content down instead of covering the header.
//
// This is nb-banners.js, an ES module that nb.js imports only when a decision has a banner to show
// (snippet/decisions.ts), with the offers to render and the function that queues events.
import { readJson, store } from './storage';
import { slots } from './slots';
import type { Decision, Draft, OfferDecision } from './types';

/** Dismissals as [offer, until], forgotten when their cooldown ends; at most 50 are kept. */
type Dismissals = Array<[offer: string, until: number]>;
const dismissals = () => readJson<Dismissals>('nb_dismissed', []).filter(([, until]) => until > Date.now());

/** A Layout Instability API entry (not yet in TypeScript's DOM types). */
interface LayoutShift extends PerformanceEntry {
  value: number;
  hadRecentInput: boolean;
}

/** Offers shown on this page, and those whose dismissal has not yet ended. */
let done: string[] | undefined;

function add(parent: Node, tag: string, text?: string, part = tag): HTMLElement {
  const element = document.createElement(tag);
  element.textContent = text!; // undefined becomes ''
  element.setAttribute('part', part);
  return parent.appendChild(element);
}

/** A style value: the page's --nb-<name>, else the rules' theme (--nb-theme-<name>, set on the host), else `fallback`. */
const themed = (name: string, fallback: string) => `var(--nb-${name},var(--nb-theme-${name},${fallback}))`;

/** Shows each offer's banner (in the loop: a separate function gzips larger). */
export function render(
  offers: OfferDecision[],
  push: (draft: Draft) => void,
  theme: Decision['theme'] = {},
  offset?: string,
): void {
  done ||= dismissals().map(([id]) => id);
  for (const offer of offers) {
    try {
      const { offer: id, variant } = offer;
      const banner = offer.banner!;
      const slot = banner.placement == 'slot' && slots().find((e) => e.dataset.nbSlot == offer.slot);
      // Shown: not yet shown or dismissed, and its slot (if any) is on the page (nb.js has checked the rest).
      if (done.includes(id) || slot == null) continue;
      done.push(id);
      const event = (action: 'impression' | 'click' | 'dismiss') => push({ type: 'offer', offer: id, variant, action });
      const modal = banner.placement == 'modal';
      const top = banner.placement == 'top-bar';
      // Into the body; a slot banner moves into its slot, a top bar after the offset element, once built.
      const host = add(document.body, 'div', '', 'host');
      host.dataset.nbBanner = id;
      // setProperty keeps a theme value inside its custom property, whatever it holds.
      for (const [name, value] of Object.entries(theme)) host.style.setProperty(`--nb-theme-${name.replace('_', '-')}`, value);
      const root = host.attachShadow({ mode: 'open' });
      // The modal is a native <dialog> opened with showModal(): the browser makes the rest of the page
      // inert, exposes it as an aria-modal dialog, and centres it. The overlays and slot banners are
      // <section>s, which their label makes regions.
      const box = add(root, modal ? 'dialog' : 'section', '', 'banner') as HTMLDialogElement;
      // Every box framed alike; the slide-in fixed over the page, the slot banner and the top bar in
      // the page's flow, and the modal where the browser places it.
      box.style.cssText =
        `padding:${themed('spacing', '1em')};background:${themed('background', '#fff')};color:inherit;` +
        `border:1px solid ${themed('border', '#d0d5dd')};border-radius:${top ? 0 : themed('radius', '8px')};` +
        // The browser centres a modal dialog with its own margins; the others sit flush.
        (modal ? 'max-width:30em' : 'margin:0;') +
        (slot || modal || top ? '' : 'position:fixed;z-index:99999999;right:1em;bottom:1em;width:20em');
      box.ariaLabel = banner.title;
      // The close button comes first: it floats right, and it is what the modal focuses.
      const button = add(box, 'button', '×', 'close');
      let link: HTMLElement | undefined;
      button.ariaLabel = 'Close';
      button.style.cssText =
        'float:right;border:0;background:none;font:inherit;font-size:1.4em;line-height:1;color:inherit;cursor:pointer';
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
          if (offer.dismiss_hours)
            store('nb_dismissed', JSON.stringify([...dismissals(), [id, Date.now() + offer.dismiss_hours * 36e5]].slice(-50)));
          event('dismiss');
        }
      };
      add(box, 'b', banner.title, 'title').style.display = 'block';
      if (banner.body) add(box, 'p', banner.body, 'body').style.margin = '.4em 0 0';
      // Only an http(s) URL becomes a link; a relative one resolves against the page first.
      const href = banner.cta && new URL(banner.cta.url, location.href);
      if (href && /^https?:$/.test(href.protocol)) {
        link = add(box, 'a', banner.cta!.text, 'cta');
        (link as HTMLAnchorElement).href = href.href;
        link.style.cssText =
          `display:inline-block;margin-top:.6em;padding:.5em 1em;border-radius:${themed('radius', '6px')};` +
          `background:${themed('accent', '#1d4ed8')};color:${themed('accent-text', '#fff')};text-decoration:none;font-weight:600`;
        link.onclick = () => event('click');
      }
      const anchor = top && offset ? document.querySelector(offset) : null;
      if (slot) {
        // The layout shift the banner causes (a slot without enough reserved height pushes what
        // follows it down), measured with the Layout Instability API over the next second and
        // reported as a track event, so a site sees which slots need data-nb-min-height.
        let shift = 0;
        const watch = new PerformanceObserver((list) =>
          list.getEntries().map((entry) => (shift += (entry as LayoutShift).hadRecentInput ? 0 : (entry as LayoutShift).value)),
        );
        watch.observe({ type: 'layout-shift' });
        slot.replaceChildren(host);
        setTimeout(() => {
          watch.disconnect();
          if (shift) push({ type: 'track', name: 'banner_layout_shift', props: { offer: id, cls: +shift.toFixed(4) } });
        }, 1000);
      } else if (top) anchor ? anchor.after(host) : document.body.prepend(host);
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
