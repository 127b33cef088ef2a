// One Durable Object per (site, visitor id): the name is the key, so every edge reaches the same one.
import type { Env } from '../env';

export function visitorStub(env: Env, site: string, vid: string) {
  return env.VISITOR.get(env.VISITOR.idFromName(`${site}:${vid}`));
}
