// The snippet's ES modules beside nb.js (nb-banners.js, nb-identify.js, nb-outbox.js), imported
// when a page first needs one. Some browsers keep a module that failed to load as failed for the
// page's life (Chromium 150 answers every later import() of that URL with the first error), so one
// first asked for offline or on a flaky network would never load on this page: after a failure,
// the next import of that module asks for it under a new URL.
import { base } from './config';

const failures: Record<string, number> = {};

export const load = <T>(file: string): Promise<T> =>
  import(base + file + (failures[file] ? '?' + failures[file] : '')).catch((error) => {
    failures[file] = (failures[file] || 0) + 1;
    throw error;
  });
