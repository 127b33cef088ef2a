// The OpenAPI 3.1 document of the HTTP API, generated from the same zod schemas the routes enforce.
import { z } from 'zod';
import { EventBatch } from './events';
import { Decision } from './decision';
import { CollectResponse } from './collect';
import { ErrorBody } from './errors';
import { DecideRequest, DecideResponse } from './decide';
import { IdentifyRequest, IdentifyResponse } from './identify';

const schema = (type: z.ZodType) => z.toJSONSchema(type, { target: 'draft-2020-12', unrepresentable: 'any', io: 'input' });

const json = (type: z.ZodType) => ({ content: { 'application/json': { schema: schema(type) } } });
const error = (description: string) => ({ description, ...json(ErrorBody) });
const apiKey = [{ apiKey: [] }];
const visitorParams = ['site', 'vid'].map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } }));

export function openApiDocument(serverUrl: string) {
  return {
    openapi: '3.1.0',
    info: { title: 'Nextbest edge API', version: '1', description: 'Tracking, profiles and next-best-offer decisions.' },
    servers: [{ url: serverUrl }],
    components: {
      securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'A key from the NB_API_KEY secret' } },
      schemas: { Decision: schema(Decision), Error: schema(ErrorBody) },
    },
    paths: {
      '/v1/collect': {
        post: {
          summary: 'Send a batch of events; answers per-event acceptance and decisions for the slots',
          description: 'Also accepts the same JSON as text/plain (sendBeacon). Bodies over 64 KB: 413.',
          requestBody: {
            required: true,
            content: { 'application/json': { schema: schema(EventBatch) }, 'text/plain': { schema: schema(EventBatch) } },
          },
          responses: {
            200: { description: 'Accepted (possibly partly)', ...json(CollectResponse) },
            204: { description: 'Ignored: the request came from a bot' },
            400: error('No valid event, or a bad envelope'),
            403: error('The browser origin is not listed in the site rules'),
            404: error('Unknown site'),
            413: error('Body over 64 KB'),
            429: error('Rate limited; see Retry-After'),
          },
        },
      },
      '/v1/decide': {
        post: {
          summary: 'Decisions for a visitor and slots, without new events',
          requestBody: { required: true, ...json(DecideRequest) },
          responses: {
            200: { description: 'The decision', ...json(DecideResponse) },
            400: error('Bad body'),
            404: error('Unknown site'),
          },
        },
      },
      '/v1/identify': {
        post: {
          summary: 'Link a visitor to a hashed user id; visitors with the same user id merge into one profile',
          security: apiKey,
          requestBody: { required: true, ...json(IdentifyRequest) },
          responses: {
            200: { description: 'Linked', ...json(IdentifyResponse) },
            400: error('Bad body'),
            401: error('No valid API key'),
          },
        },
      },
      '/v1/profile/{site}/{vid}': {
        get: {
          summary: "A visitor's profile: score and reasons, stage history, segments, forms, offers, audiences, consent",
          security: apiKey,
          parameters: visitorParams,
          responses: {
            200: { description: 'The profile' },
            401: error('No valid API key'),
            404: error('Unknown site or visitor'),
          },
        },
        delete: {
          summary: 'Erase a visitor (GDPR/CCPA) from its Durable Object and from the analytics tables',
          security: apiKey,
          parameters: visitorParams,
          responses: { 200: { description: 'What was erased' }, 401: error('No valid API key') },
        },
      },
    },
  };
}
