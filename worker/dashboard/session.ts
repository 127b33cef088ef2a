// The dashboard's sign-in session: a signed cookie (HMAC-SHA256 by hono/cookie) that holds what the
// key it was opened with may see, and when it ends. HttpOnly: no script reads it. Secure and
// __Secure-: only over https (browsers count http://localhost as secure). SameSite=Strict: never
// sent with a request that another site starts. Path: the dashboard's own, so a worker served under
// a prefix of the lender's site (NB_BASE_PATH) does not send it to every page there (which rules out
// __Host-, whose path must be /). It is stateless: signing out clears the browser's cookie, and a
// copy taken earlier stays valid until it expires.
import type { Context } from 'hono';
import { deleteCookie, getCookie, getSignedCookie, setSignedCookie } from 'hono/cookie';
import * as z from '../lib/zod';
import type { AppEnv } from '../env';
import { basePath } from '../http/base-path';
import { Access, keyring } from '../http/keys';
import { HOUR_MS } from '../lib/time';

export const SESSION_HOURS = 12;
const NAME = 'nb_session';
const options = (c: Context<AppEnv>) =>
  ({ prefix: 'secure', path: `${basePath(c)}/dashboard`, secure: true, httpOnly: true, sameSite: 'Strict' }) as const;

const Session = z.strictObject({ access: Access, expires: z.number().check(z.int()) });

/** A session's access, or why the request has none. */
export type SessionState = { access: Access } | { problem: 'none' | 'ended' | 'invalid' };

/** Sets the cookie; false when no session can be signed (no admin key is configured). */
export async function startSession(c: Context<AppEnv>, access: Access): Promise<boolean> {
  const { sessionSecret } = await keyring(c.env);
  if (!sessionSecret) return false;
  const session: z.infer<typeof Session> = { access, expires: Date.now() + SESSION_HOURS * HOUR_MS };
  await setSignedCookie(c, NAME, JSON.stringify(session), sessionSecret, { ...options(c), maxAge: SESSION_HOURS * 3600 });
  return true;
}

export function endSession(c: Context<AppEnv>): void {
  deleteCookie(c, NAME, options(c));
}

/** The request's session. One that is expired, forged or signed under other keys is cleared. */
export async function readSession(c: Context<AppEnv>): Promise<SessionState> {
  if (getCookie(c, NAME, 'secure') === undefined) return { problem: 'none' };
  const { sessionSecret } = await keyring(c.env);
  const value = sessionSecret ? await getSignedCookie(c, sessionSecret, NAME, 'secure') : false;
  const session = value ? Session.safeParse(parseJson(value)) : undefined;
  if (!session?.success) return cleared(c, 'invalid');
  // The expiry inside the signed value counts, not the cookie's Max-Age, which the client controls.
  if (session.data.expires <= Date.now()) return cleared(c, 'ended');
  return { access: session.data.access };
}

function cleared(c: Context<AppEnv>, problem: 'ended' | 'invalid'): SessionState {
  endSession(c);
  return { problem };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
