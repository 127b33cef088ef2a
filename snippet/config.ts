// Reads the settings from the snippet's own <script> tag: data-site, data-endpoint, data-nb-*.
// A classic script (async and defer too, inserted by a tag manager too) is its currentScript
// while it runs; where it is not (loaded by eval), no site is read and nothing boots.
const script = document.currentScript as HTMLScriptElement | null;
const data: DOMStringMap = script?.dataset || {};

export const site = data.site;
/** The folder the script came from (with its trailing slash), where nb-banners.js lives beside nb.js. */
export const base = new URL('.', script?.src || location.href).href;
/**
 * Where /v1/collect lives: beside the script (its URL without the file name, so a worker served under
 * a path prefix such as /nb/nb.js gets /nb/v1/collect) unless data-endpoint says otherwise.
 */
export const endpoint = data.endpoint || base.slice(0, -1);
/** History API page views; data-nb-spa="false" opts out. */
export const spa = data.nbSpa != 'false';
/** Hash routing (#/path counts as a new page): opt in with data-nb-hash="true". */
export const hashRouting = data.nbHash == 'true';
/** Strict mode: under GPC or Do Not Track nothing is sent at all. */
export const strict = data.nbStrict == 'true';
/** data-nb-consent="opt-in": nothing is sent or rendered until nb('consent', …) allows it. */
export const optIn = data.nbConsent == 'opt-in';
/** Anti-flicker: slots stay hidden until the decision arrives or this many ms pass (0: never hide). */
export const hideMs = +(data.nbTimeout || 300);
/** data-nb-offset: the element (a CSS selector, e.g. the site's header) a top-bar banner goes after. */
export const offset = data.nbOffset;
/** data-nb-debug="true": each decision is logged with its reasons, and QA browsers of the rules' test_origins pass the bot filter. */
export const debug = data.nbDebug == 'true';
/** The site's country (ISO 3166 alpha-2, e.g. "GB"): the calling code of phone numbers written without one. */
export const country = data.nbCountry;
