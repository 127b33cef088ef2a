// The visitor's object keeps its row parsed in memory between requests (worker/visitor/storage.ts):
// what a request reads must still be what storage holds, after a rolled-back write as after any other.
import { describe, expect, it } from 'vitest';
import { env } from 'cloudflare:workers';
import { runInDurableObject } from 'cloudflare:test';
import * as store from '../../worker/visitor/storage';
import { visitorStub } from '../../worker/visitor/stub';
import type { Profile } from '../../worker/schema/profile';
import { TEST_API_KEY } from './api-keys';
import { batch, get, pageView, post } from './helpers';

async function pagesOf(vid: string): Promise<number> {
  const profile = await (await get(`/v1/profile/demo/${vid}`)).json<Profile>();
  return profile.state.counters.pages;
}

describe("the visitor's row, kept in memory", () => {
  it('forgets a state saved by a transaction that rolled back', async () => {
    const body = batch([pageView()]);
    expect((await post('/v1/collect', body)).status).toBe(200);
    expect(await pagesOf(body.vid)).toBe(1);

    const stored = await runInDurableObject(visitorStub(env, 'demo', body.vid), (instance, state) => {
      // The object's own handle on its database: the memory is kept per handle.
      const sql = (instance as unknown as { sql: SqlStorage }).sql;
      const meta = store.readMeta(sql)!;
      expect(() =>
        store.transaction(state.storage, sql, () => {
          meta.state.counters.pages = 99;
          store.saveState(sql, meta.state);
          throw new Error('a write that fails after saving');
        }),
      ).toThrow('a write that fails after saving');
      return store.readMeta(sql)!.state.counters.pages;
    });
    expect(stored).toBe(1);
    expect(await pagesOf(body.vid)).toBe(1);

    // And the object goes on from what storage holds.
    expect((await post('/v1/collect', { ...body, events: [pageView()] })).status).toBe(200);
    expect(await pagesOf(body.vid)).toBe(2);
  });

  it('starts an erased visitor over: linked to a user next, it records the link in a new row', async () => {
    const body = batch([pageView(), pageView()]);
    expect((await post('/v1/collect', body)).status).toBe(200);
    expect((await get(`/v1/profile/demo/${body.vid}`, undefined, 'DELETE')).status).toBe(200);
    const uid = 'c'.repeat(64);
    const linked = await post('/v1/identify', { site: 'demo', vid: body.vid, uid }, { authorization: `Bearer ${TEST_API_KEY}` });
    expect(linked.status).toBe(200);
    const rows = await runInDurableObject(visitorStub(env, 'demo', body.vid), (_instance, state) =>
      state.storage.sql.exec('SELECT vid, uid, merged_into FROM visitor').toArray(),
    );
    expect(rows).toEqual([{ vid: body.vid, uid, merged_into: uid }]);
  });
});
