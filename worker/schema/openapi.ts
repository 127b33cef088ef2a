// What GET /v1/openapi.json answers: an OpenAPI 3.1 document (its own schema is the OpenAPI
// specification's; this names the fields a client reads first).
import * as z from '../lib/zod';

export const OpenApiDocument = z.looseObject({
  openapi: z.string(),
  info: z.looseObject({ title: z.string(), version: z.string() }),
  paths: z.record(z.string(), z.unknown()),
});
