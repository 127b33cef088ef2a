// Page views: the first load, History API navigations (SPA), popstate and, opted in, hash
// changes. The same URL is not counted twice in a row unless nb('page') asks for it. The URL
// keeps its hash only for hash routing; the transport scrubs it (after its origin), the referrer
// and the title.
import { hashRouting, spa } from './config';
import { allowed } from './consent';
import { push } from './transport';

/**
 * The first-party cookies the ad platforms' own tags set (Meta's _fbp, Google's _gcl_aw), where the
 * site has them: `document.cookie` is read once, as each read is a synchronous call out of the page.
 */
function adCookies() {
  const cookies = document.cookie;
  const cookie = (name: string) => cookies.match('(^|; )' + name + '=([^;]*)')?.[2];
  return { fbp: cookie('_fbp'), gcl_aw: cookie('_gcl_aw') };
}

let last = '';

export function page(force?: unknown): void {
  // Without hash routing the fragment is cut off: a URL's first "#" starts it, so it is the first match.
  const url = location.href.replace(hashRouting ? '' : location.hash, '');
  if (url != last || force)
    (push({
      type: 'page',
      url,
      ref: last || document.referrer,
      title: document.title,
      // With ads consent only, as the click ids in the URL are kept only with it (by the worker).
      ad_cookies: allowed('ads') ? adCookies() : undefined,
    }),
      (last = url));
}

/** Sends the first page view, then follows navigations. */
export function watchPages(): void {
  // A timeout lets the app set the new title before it is read.
  const later = () => setTimeout(page);
  page();
  if (NB_SPA && spa) {
    for (const name of ['pushState', 'replaceState'] as const) {
      const original = history[name];
      // later() first is still after the navigation (it is a timeout); `history` is their only object.
      history[name] = (...args: Parameters<History['pushState']>) => {
        later();
        original.apply(history, args);
      };
    }
  }
  // Fragment navigations fire popstate too (before hashchange), so one listener serves both.
  if (NB_SPA && (spa || hashRouting)) addEventListener('popstate', later);
}
