// Reads the settings from the snippet's own <script> tag: data-site, data-endpoint, data-nb-*.
// A classic script (async and defer too, inserted by a tag manager too) is its currentScript
// while it runs; where it is not (loaded by eval), no site is read and nothing boots.
const script = document.currentScript as HTMLScriptElement | null;
const data: DOMStringMap = script?.dataset || {};

export const site = data.site;
/** Where /v1/collect lives: the script's own origin unless data-endpoint says otherwise. */
export const endpoint = data.endpoint || new URL(script?.src!, location.href).origin;
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
