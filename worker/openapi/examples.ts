// One example per operation (by operationId) for the OpenAPI document, typed by the same schemas the
// routes use, so an example that no longer fits fails the type check; `redocly lint` checks them too.
// Build time only: kept out of the deployed worker.
import type { CollectResponse } from '../schema/collect';
import type { DecideRequest, DecideResponse } from '../schema/decide';
import type { Decision } from '../schema/decision';
import type { EventBatch } from '../schema/events';
import type { IdentifyRequest, IdentifyResponse } from '../schema/identify';
import type { Erasure, Profile } from '../schema/profile';
import type { AudienceMembers, WebhookPayload } from '../schema/audiences';
import type { Kpis } from '../schema/stats';
import type { Health } from '../schema/health';
import type { BackOfficeBatch, SpendRequest, SpendResponse } from '../schema/back-office';
import type { Preview, Published, RulesVersion, RulesVersions } from '../schema/rules';
import type { FailedDeliveries, Replay } from '../schema/webhooks';
import type * as z from '../lib/zod';
import { newVisitor } from '../engine/state';
import demoRules from '../../rules/demo.json';

const site = 'demo';
const vid = 'v7Hq2mK9xLp4';
const uid = 'a3f1c0d9e8b7a6f5e4d3c2b1a09f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a10';
const at = 1764000000000;

const decision: Decision = {
  vid,
  stage: 'applicant',
  segments: ['first_time_buyer'],
  score: { total: 62.5, products: { mortgage: 48.1 } },
  offers: [
    {
      slot: 'hero',
      offer: 'finish-app',
      variant: 'b',
      holdout: false,
      banner: {
        title: 'Finish your application',
        body: 'You were two steps away.',
        cta: { text: 'Continue', url: 'https://demo.example/apply.html' },
        placement: 'slot',
      },
      reasons: ['stage=applicant', 'form mortgage-app abandoned at step 3'],
    },
  ],
  audiences: {
    join: [{ id: 'mortgage_abandoners', expires: 1766592000000, event_id: '5c9e2f0d41b7a3e86f1d0c2b9a7e4d31' }],
    leave: [],
  },
};

const profileId = `uid:${uid}`;
const member = { vid: profileId, uid, joined: at, expires: 1766592000000, event_id: '5c9e2f0d41b7a3e86f1d0c2b9a7e4d31' };
const emailHash = '87924606b4131a8aceeeae8868531fbb9712aaa07a5d3a756b26ce0f5d6ca674'; // test@gmail.com
const webhookPayload: WebhookPayload = {
  delivery_id: '9c1f4e2a7b3d8c6e0f5a1b2c3d4e5f60',
  site,
  audience: 'mortgage_abandoners',
  sent_at: at,
  join: [member],
  leave: [],
};

function rulesVersion(live: boolean): RulesVersion {
  return {
    site,
    version: 2,
    hash: 'b2'.repeat(32),
    author: 'key:5f2c9a1e7d3b',
    message: 'new hero title',
    created_at: at,
    source: 'published',
    live,
    rules: demoRules,
  };
}

export const examples = {
  collect: {
    request: {
      site,
      vid,
      sid: 's8Jd0pQ1rT',
      sent_at: at,
      slots: ['hero'],
      events: [{ id: 'e1Xy7Zq3Wv', ts: at, type: 'page', url: 'https://demo.example/rates.html?utm_source=g', title: 'Rates' }],
    } satisfies EventBatch,
    response: { accepted: 1, duplicates: 0, rejected: [], decisions: decision } satisfies CollectResponse,
  },
  decide: {
    request: { site, vid, slots: ['hero'] } satisfies DecideRequest,
    response: { decisions: decision } satisfies DecideResponse,
  },
  identify: {
    request: { site, vid, uid } satisfies IdentifyRequest,
    response: { vid, profile: `uid:${uid}`, linked: [vid] } satisfies IdentifyResponse,
  },
  postEvents: {
    request: {
      uid,
      slots: ['hero'],
      events: [
        {
          id: 'funded-8841',
          ts: at,
          type: 'track',
          name: 'loan_funded',
          props: { product: 'mortgage' },
          amount: 2450,
          currency: 'USD',
        },
      ],
    } satisfies BackOfficeBatch,
    response: {
      accepted: 1,
      duplicates: 0,
      rejected: [],
      decisions: { ...decision, stage: 'customer', offers: [] },
    } satisfies CollectResponse,
  },
  putSpend: {
    request: { spend: [{ day: '2026-11-01', source: 'google', medium: 'cpc', amount: 350 }] } satisfies SpendRequest,
    response: { stored: 1 } satisfies SpendResponse,
  },
  getProfile: {
    response: {
      site,
      vid,
      uid: null,
      linked: [],
      events: 1,
      state: { ...newVisitor(vid, at), stage: 'engaged', counters: { events: 1, pages: 1, forms: 0, tracks: 0, offers: 0 } },
      recent: [
        {
          id: 'e1Xy7Zq3Wv',
          type: 'page',
          at,
          received: at + 40,
          event: { id: 'e1Xy7Zq3Wv', ts: at, type: 'page', url: 'https://demo.example/rates.html' },
        },
      ],
    } satisfies Profile,
  },
  eraseProfile: {
    response: { site, vid, erased: { events: 12, visitors: [vid], analytics_rows: 31 } } satisfies Erasure,
  },
  listAudienceMembers: {
    response: {
      site,
      audience: 'mortgage_abandoners',
      members: [
        {
          ...member,
          key: uid,
          vids: [vid],
          email_sha256: emailHash,
          phone_sha256: null,
          phone_digits_sha256: null,
          click_ids: { gclid: { value: 'EAIaIQobChMIq9Xk2cDd', at } },
          consent: { analytics: true, personalization: true, ads: true },
        },
      ],
      unmatched: 0,
      next: null,
    } satisfies AudienceMembers,
  },
  getStats: {
    response: {
      site,
      from: '2026-11-01',
      to: '2026-11-30',
      traffic: {
        visitors: 120,
        unique_visitors: 90,
        page_views: 400,
        sessions: 150,
        bounced_sessions: 60,
        bounce_rate: 0.4,
        bot_batches: 12,
        daily: [{ day: '2026-11-01', visitors: 4, page_views: 13, sessions: 5 }],
        top_pages: [{ path: '/rates', views: 180 }],
      },
      timezone: 'America/New_York',
    } satisfies Kpis,
  },
  health: { response: { ok: true } satisfies Health },
  getOpenApiDocument: { response: { openapi: '3.1.0', info: { title: 'Nextbest edge API', version: '0.1.0' }, paths: {} } },
  getSnippet: {},
  getDashboard: {},
  home: {},
  getRules: { response: rulesVersion(true) },
  publishRules: {
    request: demoRules,
    response: {
      site,
      version: 3,
      hash: 'a1'.repeat(32),
      unchanged: false,
      warnings: [
        'audiences[1].days: warning: 200 days is longer than Meta keeps a member (180 days): members drop out there first (Meta website custom audiences: retention of at most 180 days)',
      ],
    } satisfies Published,
  },
  listRulesVersions: {
    response: {
      site,
      live: 2,
      versions: [
        { version: 2, hash: 'b2'.repeat(32), author: 'key:5f2c9a1e7d3b', message: 'new hero title', created_at: at },
        {
          version: 1,
          hash: 'c3'.repeat(32),
          author: 'bundle',
          message: 'rules/demo.json as deployed',
          created_at: at - 86_400_000,
        },
      ],
    } satisfies z.infer<typeof RulesVersions>,
  },
  getRulesVersion: { response: rulesVersion(false) },
  rollbackRules: {
    request: { version: 1, message: 'the new title confused people' },
    response: { site, version: 4, hash: 'c3'.repeat(32), unchanged: false, warnings: [] } satisfies Published,
  },
  previewRules: {
    request: demoRules,
    response: {
      site,
      live_version: 2,
      sample: { window_days: 7, visitors: 1000, profiles: 996 },
      changed: 41,
      stage: {
        visitors: 12,
        transitions: { 'engaged → anonymous': 12 },
        examples: [
          {
            visitor: vid,
            before: 'engaged',
            after: 'anonymous',
            reasons_before: ['score 3', 'browsed the site +3'],
            reasons_after: ['score 3', 'browsed the site +3'],
          },
        ],
      },
      segments: { visitors: 0, transitions: {}, examples: [] },
      offers: {
        visitors: 29,
        transitions: { 'hero: finish-app/a → welcome-back': 17, 'sidebar: finish-app/b → rate-alert': 12 },
        examples: [
          {
            visitor: vid,
            slot: 'hero',
            before: 'finish-app/a',
            after: 'welcome-back',
            reasons_before: ['stage=applicant', 'form mortgage-app abandoned at step 3'],
            reasons_after: ['counters.pages ≥ 2'],
          },
        ],
      },
      audiences: { visitors: 0, transitions: {}, examples: [] },
      elapsed_ms: 2140,
    } satisfies Preview,
  },
  audienceWebhook: { request: webhookPayload },
  listFailedWebhooks: {
    response: {
      site,
      failed: [
        {
          delivery_id: webhookPayload.delivery_id,
          audience: 'mortgage_abandoners',
          url: 'https://ads.example/hooks/nextbest',
          attempts: 11,
          last_status: 503,
          last_error: 'https://ads.example/hooks/nextbest answered 503',
          failed_at: at,
          payload: webhookPayload,
        },
      ],
      next: null,
    } satisfies FailedDeliveries,
  },
  replayWebhook: {
    response: {
      site,
      delivery_id: webhookPayload.delivery_id,
      outcome: 'delivered',
      url: 'https://ads.example/hooks/nextbest',
      status: 204,
    } satisfies Replay,
  },
};
