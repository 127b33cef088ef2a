// Page views: the first load, History API navigations (SPA), popstate and, opted in, hash
// changes. The same URL is not counted twice in a row unless nb('page') asks for it.
import { hashRouting, spa } from './config';
import { scrub, pageUrl } from './scrub';
import { push } from './transport';

let last = '';

export function page(force?: unknown): void {
  const url = pageUrl(hashRouting);
  if (url == last && !force) return;
  push({ type: 'page', url, ref: scrub(last || document.referrer).slice(0, 2000), title: scrub(document.title).slice(0, 300) });
  last = url;
}

export function watchPages(): void {
  // A timeout lets the app set the new title before it is read.
  const later = () => setTimeout(page);
  if (NB_SPA && spa) {
    for (const name of ['pushState', 'replaceState'] as const) {
      const original = history[name];
      history[name] = function (this: History, ...args: Parameters<History['pushState']>) {
        original.apply(this, args);
        later();
      };
    }
    addEventListener('popstate', later);
  }
  if (NB_SPA && hashRouting) addEventListener('hashchange', later);
}
