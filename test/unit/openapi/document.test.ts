// The OpenAPI document against the app it describes: every route the app registers is an operation,
// and every operation carries what integrators and `redocly lint` rely on. (The lint itself runs in
// `npm run check`.)
import { beforeAll, expect, it } from 'vitest';
import { loadDocumentModule } from '../../../worker/scripts/openapi.mjs';

type Loaded = Awaited<ReturnType<typeof loadDocumentModule>>;
let loaded: Loaded;
let document: Awaited<ReturnType<Loaded['buildDocument']>>;

beforeAll(async () => {
  loaded = await loadDocumentModule();
  document = await loaded.buildDocument('0.0.0-test');
}, 60_000);

const operations = () => loaded.operationsOf(document) as Array<{ method: string; path: string; op: Record<string, any> }>;

it('lists every route the app registers, and nothing else', () => {
  const routes = new Set(
    loaded.app.routes
      // Middleware (ALL), and static files under a wildcard (the demo site) that are pages, not API.
      .filter((route) => route.method !== 'ALL' && !route.path.endsWith('/*'))
      .map((route) => `${route.method.toLowerCase()} ${route.path.replace(/:(\w+)/g, '{$1}')}`),
  );
  const documented = new Set(operations().map(({ method, path }) => `${method} ${path}`));
  expect([...documented].sort()).toEqual([...routes].sort());
  expect(documented.size).toBeGreaterThanOrEqual(12);
});

it('gives every operation a unique operationId, a summary, a tag, security and an answer', () => {
  const ids = operations().map(({ op }) => op.operationId);
  expect(new Set(ids).size).toBe(ids.length);
  for (const { method, path, op } of operations()) {
    const where = `${method} ${path}`;
    expect(op.operationId, where).toMatch(/^[a-z][A-Za-z]+$/);
    expect(op.summary, where).toBeTruthy();
    expect(op.tags, where).toHaveLength(1);
    expect(Array.isArray(op.security), where).toBe(true);
    expect(
      Object.keys(op.responses).some((status) => /^[23]/.test(status)),
      where,
    ).toBe(true);
  }
});

it('documents JSON answers and bodies with schemas and examples, and errors with the error body', () => {
  for (const { method, path, op } of operations()) {
    const where = `${method} ${path}`;
    for (const [status, response] of Object.entries<any>(op.responses)) {
      const json = response.content?.['application/json'];
      if (!json) continue;
      expect(json.schema, `${where} ${status}`).toBeTruthy();
      if (status === '200') expect(json.example, `${where} example`).toBeDefined();
      else expect(json.schema.$ref, `${where} ${status}`).toBe('#/components/schemas/Error');
    }
    for (const media of Object.values<any>(op.requestBody?.content ?? {}))
      expect(media.example, `${where} body example`).toBeDefined();
  }
});

it('asks for the API key wherever the route requires it', () => {
  const keyed = operations().filter(({ op }) => op.security.some((s: object) => 'bearer' in s));
  expect(keyed.map(({ op }) => op.operationId).sort()).toEqual(
    [
      'eraseProfile',
      'getDashboard',
      'getDashboardTable',
      'getProfile',
      'getStats',
      'identify',
      'listAudienceMembers',
      'postEvents',
      'putSpend',
      'getRules',
      'publishRules',
      'listRulesVersions',
      'getRulesVersion',
      'rollbackRules',
      'previewRules',
      'listFailedWebhooks',
      'replayWebhook',
    ].sort(),
  );
  for (const { op } of keyed) expect(op.responses['401'], op.operationId).toBeDefined();
});

it('describes the audience webhook payload', () => {
  const webhook = (document as { webhooks?: Record<string, any> }).webhooks?.audienceChange?.post;
  expect(webhook.operationId).toBe('audienceWebhook');
  expect(webhook.requestBody.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/AudienceWebhook' });
  expect(document.components.schemas?.AudienceWebhook).toMatchObject({
    required: ['delivery_id', 'site', 'audience', 'sent_at', 'join', 'leave'],
  });
  expect(webhook.parameters.map((p: { name: string; in: string }) => `${p.in}: ${p.name}`)).toEqual([
    'header: X-Nextbest-Delivery',
    'header: X-Nextbest-Timestamp',
    'header: X-Nextbest-Signature',
  ]);
});
