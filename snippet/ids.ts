// The visitor id (kept until storage is cleared) and the session id (ends after 30 min idle).
import { store, uid } from './storage';

export let vid = '';

/** Called at boot, not at load: the first localStorage access can take milliseconds. */
export function loadVisitor(): void {
  store('nb_vid', (vid = store('nb_vid') || uid()));
}

// Memory copy for when localStorage is unavailable: the session then lasts as long as the page.
let memory = '';

export function session(now: number): string {
  const [id, at] = (store('nb_sid') || memory).split('.');
  const sid = id && now - +at < 18e5 ? id : uid();
  store('nb_sid', (memory = sid + '.' + now));
  return sid;
}
