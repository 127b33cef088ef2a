// The visitor id (kept until storage is cleared) and the session id (ends after 30 min idle),
// created and stored only when an event is about to be sent, so nothing is stored without consent.
import { store, uid } from './storage';

export let vid = '';
export let sid = '';
// Memory copy for when localStorage is unavailable: the session then lasts as long as the page.
let memory = '';

/**
 * Called for each event: reads both ids (another tab may have started a session) and writes only
 * what changed. The session's last activity moves on at most once a minute, so most events of a
 * page write nothing (each write costs the page a synchronous storage call); a session may then
 * end up to a minute early, against its 30 idle minutes.
 */
export function touch(now: number): void {
  const stored = store('nb_vid');
  if ((vid = stored || vid || uid()) != stored) store('nb_vid', vid);
  const [id, at] = (store('nb_sid') || memory).split('.');
  sid = id && now - +at < 18e5 ? id : uid();
  if (sid != id || now - +at > 6e4) store('nb_sid', (memory = sid + '.' + now));
}
