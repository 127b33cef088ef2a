// A consumer of the published client, type-checked on its own with only TypeScript (no Workers
// types, no worker sources): test/system/client.test.ts compiles it against dist/client and runs it.
import { nextbestClient, type InferResponseType } from 'nextbest/client';

// Without @types/node: the consumer has only TypeScript.
declare const process: { argv: string[] };

const [url, apiKey, vid] = process.argv.slice(2);
const api = nextbestClient(url, { apiKey });
const site = 'demo';

type ProfileAnswer = InferResponseType<(typeof api.v1.profile)[':site'][':vid']['$get'], 200>;

const collected = await api.v1.collect.$post({
  json: {
    site,
    vid,
    sent_at: Date.now(),
    events: [{ id: `${vid}-e1`, ts: Date.now(), type: 'page', url: 'https://demo.example/' }],
  },
});

const decided = await api.v1.decide.$post({ json: { site, vid, slots: ['hero'] } });
if (decided.status !== 200) throw new Error(`decide answered ${decided.status}`);
const stage: string = (await decided.json()).decisions.stage;

const profile = await api.v1.profile[':site'][':vid'].$get({ param: { site, vid } });
if (profile.status !== 200) throw new Error(`profile answered ${profile.status}`);
const found: ProfileAnswer = await profile.json();
const events: number = found.events;

const unknown = await api.v1.profile[':site'][':vid'].$get({ param: { site, vid: 'nobody-here-1' } });
let unknownCode = '';
if (unknown.status === 404) unknownCode = (await unknown.json()).error.code;

const members = await api.v1.audiences[':site'][':audience'].$get({
  param: { site, audience: 'mortgage_abandoners' },
  query: { limit: '10' },
});
if (members.status !== 200) throw new Error(`audiences answered ${members.status}`);
const page = await members.json();
const next: string | null = page.next;

const badLimit = await api.v1.audiences[':site'][':audience'].$get({
  param: { site, audience: 'rate_shoppers' },
  query: { limit: '0' },
});
const badLimitPath = badLimit.status === 400 ? (await badLimit.json()).error.path : undefined;

console.log(
  JSON.stringify({ collected: collected.status, stage, events, unknownCode, members: page.members.length, next, badLimitPath }),
);

// Never called: each line must stay a type error, or the client's types have gone loose.
export function typeErrors() {
  // @ts-expect-error slots are names, not numbers
  void api.v1.decide.$post({ json: { site, vid, slots: [1] } });
  // @ts-expect-error the visitor id is required
  void api.v1.decide.$post({ json: { site } });
  // @ts-expect-error audiences take no `page` query parameter
  void api.v1.audiences[':site'][':audience'].$get({ param: { site, audience: 'x' }, query: { page: '2' } });
  // @ts-expect-error the path parameters are required
  void api.v1.profile[':site'][':vid'].$get({});
  return async () => {
    const res = await api.v1.decide.$post({ json: { site, vid, slots: [] } });
    // @ts-expect-error an error body has no decisions
    if (res.status === 400) return (await res.json()).decisions;
  };
}
