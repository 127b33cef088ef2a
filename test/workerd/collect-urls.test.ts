// Page URLs on the worker: a URL that parses is stored with the very host it was sent with
// (escapes are never decoded into another host), one that does not parse is rejected alone with
// its reason, and neither ever fails the batch.
import { expect, it } from 'vitest';
import { batch, get, pageView, post } from './helpers';
import type { CollectResponse } from '../../worker/schema/collect';
import type { Profile } from '../../worker/schema/profile';

const ORIGIN = 'http://localhost:8787';
const PATHS = ['//a b', '/%2F%2F%5B', '//%25', '//:99999', '/%2F%2Fevil.example/rates'];

it('stores URLs and referrers that escape or double their slashes under the host they were sent with', async () => {
  const views = PATHS.map((path) => pageView(ORIGIN + path, { ref: ORIGIN + path }));
  const visit = batch(views);
  const response = await post('/v1/collect', visit);
  expect(response.status).toBe(200);
  expect(await response.json<CollectResponse>()).toMatchObject({ accepted: PATHS.length, rejected: [] });

  const { recent } = await (await get(`/v1/profile/demo/${visit.vid}`)).json<Profile>();
  const stored = new Map(
    recent.map((entry) => [entry.id, entry.event as Extract<Profile['recent'][number]['event'], { type: 'page' }>]),
  );
  for (const view of views) {
    const { url, ref } = stored.get(view.id)!;
    expect(new URL(url).host).toBe('localhost:8787');
    expect(new URL(ref!).host).toBe('localhost:8787');
  }
  expect(stored.get(views[0].id)?.url).toBe(`${ORIGIN}//a%20b`);
});

it('stores an escaped //other.host path as a path, never as another host', async () => {
  const view = pageView(`${ORIGIN}/%2F%2Fevil.example/rates`);
  const visit = batch([view]);
  expect((await post('/v1/collect', visit)).status).toBe(200);
  const { recent } = await (await get(`/v1/profile/demo/${visit.vid}`)).json<Profile>();
  expect(recent.find((entry) => entry.id == view.id)?.event).toMatchObject({ url: `${ORIGIN}/%2F%2Fevil.example/rates` });
});

it('rejects a page URL that does not parse with its reason, and accepts the rest of the batch', async () => {
  const visit = batch([pageView('http://exa mple.com/rates'), pageView(ORIGIN + '//a b'), pageView()]);
  const response = await post('/v1/collect', visit);
  expect(response.status).toBe(200);
  const result = await response.json<CollectResponse>();
  expect(result.accepted).toBe(2);
  expect(result.rejected).toEqual([{ index: 0, reason: expect.stringMatching(/^events\[0\]\.url: /) }]);
});
