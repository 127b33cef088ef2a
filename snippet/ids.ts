// The visitor id (kept until storage is cleared) and the session id (ends after 30 min idle),
// created and stored only when an event is about to be sent, so nothing is stored without consent.
import { store, uid } from './storage';

export let vid = '';
export let sid = '';
// Memory copy for when localStorage is unavailable: the session then lasts as long as the page.
let memory = '';

/** Called for each event: refreshes both ids and the session's last activity. */
export function touch(now: number): void {
  store('nb_vid', (vid = store('nb_vid') || vid || uid()));
  const [id, at] = (store('nb_sid') || memory).split('.');
  store('nb_sid', (memory = (sid = id && now - +at < 18e5 ? id : uid()) + '.' + now));
}
