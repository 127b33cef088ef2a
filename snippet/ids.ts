// The visitor id (kept until storage is cleared) and the session id (ends after 30 min idle).
import { read, uid, write } from './storage';

export const vid = read('nb_vid') || uid();
write('nb_vid', vid);

// Memory copy for when localStorage is unavailable: the session then lasts as long as the page.
let memory = '';

export function session(now: number): string {
  const [id, at] = (read('nb_sid') || memory).split('.');
  const sid = id && now - +at < 18e5 ? id : uid();
  write('nb_sid', (memory = sid + '.' + now));
  return sid;
}
