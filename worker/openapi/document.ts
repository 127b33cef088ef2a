// Builds the OpenAPI 3.1 document from the app's own routes: hono-openapi reads each route's
// operation (put on its marker by ./operations.ts) and validating middlewares; this adds what no route declares (info, tags, security
// schemes, the audience webhook) and the examples. Run at build time (worker/scripts/openapi.mjs),
// never in the deployed worker.
import { generateSpecs, resolver, type GenerateSpecOptions } from 'hono-openapi';
import { app } from '../index';
import { describeRoutes, SECURITY_SCHEMES, TAGS } from './operations';
import { WebhookPayload } from '../schema/audiences';
import { examples } from './examples';
import { documentConditions } from '../../rules/condition-schema';

type Operation = { operationId?: string; requestBody?: Media; responses?: Record<string, Media> };
type Media = { content?: Record<string, { example?: unknown }> };

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

/** Every operation of the document, with its method and path. */
export function operationsOf(document: { paths?: Record<string, unknown> }) {
  return Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
    METHODS.flatMap((method) => {
      const op = (item as Record<string, Operation | undefined>)[method];
      return op ? [{ method, path, op }] : [];
    }),
  );
}

function addExamples(document: { paths?: Record<string, unknown> }): void {
  for (const { op } of operationsOf(document)) {
    const example = examples[op.operationId as keyof typeof examples] as { request?: unknown; response?: unknown } | undefined;
    if (!example) continue;
    for (const media of Object.values(op.requestBody?.content ?? {})) media.example = example.request;
    const json = op.responses?.['200']?.content?.['application/json'];
    if (json) json.example = example.response;
  }
}

/** The headers of every webhook delivery (worker/audiences/webhooks.ts). */
const WEBHOOK_HEADERS = [
  {
    name: 'X-Nextbest-Delivery',
    description: 'The delivery id, as in the body: the same on every retry and replay. Process each id once.',
    example: '9c1f4e2a7b3d8c6e0f5a1b2c3d4e5f60',
  },
  {
    name: 'X-Nextbest-Timestamp',
    description: 'When this attempt was sent, in ms since the epoch (`sent_at`). Refuse one too far from your clock (5 minutes).',
    example: '1764000000000',
  },
  {
    name: 'X-Nextbest-Signature',
    description:
      "`sha256=` and the hex HMAC-SHA256 of `<X-Nextbest-Timestamp>.<body>` under the site's webhook secret; while a " +
      'secret is rotated, one such value per secret, separated by `, `. Accept the delivery when one of them matches.',
    example: 'sha256=5d1c0c3a9f2e8b7a6d5c4b3a29180f7e6d5c4b3a29180f7e6d5c4b3a29180f7e',
  },
].map(({ name, description, example }) => ({
  name,
  in: 'header',
  required: true,
  description,
  schema: { type: 'string' },
  example,
}));

async function audienceWebhook() {
  const { schema, components } = await resolver(WebhookPayload).toOpenAPISchema();
  const webhook = {
    post: {
      operationId: 'audienceWebhook',
      tags: ['audiences'],
      summary: "An audience's joins and leaves, POSTed to the audience's `webhook` URL",
      description:
        'Batched per audience through a queue. Verify X-Nextbest-Signature over the raw body before parsing it, refuse ' +
        'stale timestamps, and dedupe on `delivery_id`: delivery is at least once. Anything but a 2xx answer (or no ' +
        'answer within 15 s) is retried with backoff, 11 attempts over about 3½ hours; a delivery that fails them all ' +
        'is kept, listed by GET /v1/webhooks/{site}/failed and replayed with its delivery_id by POST ' +
        '/v1/webhooks/{site}/failed/{delivery_id}/replay. README, "Audience webhooks", has receivers in Node and Python.',
      security: [],
      parameters: WEBHOOK_HEADERS,
      requestBody: { required: true, content: { 'application/json': { schema, example: examples.audienceWebhook.request } } },
      responses: {
        200: { description: 'Received (any 2xx); anything else is retried' },
        401: { description: 'A signature or timestamp that does not verify: retried, then kept as failed' },
      },
    },
  };
  // openapi-types' 3.1 request body type rejects the 3.1 schema the converter returns; the shape is
  // checked by `redocly lint` instead.
  return {
    webhook: webhook as NonNullable<GenerateSpecOptions['documentation']['webhooks']>[string],
    schemas: components?.schemas,
  };
}

export { app };

export async function buildDocument(version: string) {
  documentConditions();
  describeRoutes(app);
  const webhook = await audienceWebhook();
  const document = await generateSpecs(app, {
    excludeStaticFile: false,
    defaultValidationErrorResponse: false,
    documentation: {
      info: {
        title: 'Nextbest edge API',
        version,
        description: 'Tracking, profiles and next-best-offer decisions at the edge.',
        license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
      },
      // Relative: the worker that serves the document; GET /v1/openapi.json names its origin.
      servers: [{ url: '/', description: 'The worker serving this document' }],
      tags: Object.entries(TAGS).map(([name, description]) => ({ name, description })),
      components: { securitySchemes: SECURITY_SCHEMES },
      webhooks: { audienceChange: webhook.webhook },
    },
  });
  addExamples(document);
  document.components.schemas = { ...document.components.schemas, ...webhook.schemas };
  return document;
}
