// zod/mini, the parts the worker and the rules use: its functional API (`z.optional(x)`,
// `x.check(z.maxLength(9))`) lets the bundler keep only what is called, where classic zod's methods
// pull in every schema kind and the JSON Schema conversion (about 14 KB gzip of the deploy bundle).
// Every schema is built here, so this module also loads the English messages that the API's 400s
// and the rules CLI print: zod/mini loads no locale by itself.
import { clone, config, globalRegistry, type core, type ZodMiniType } from 'zod/mini';
import { en } from 'zod/locales';

config(en());

export {
  _default,
  array,
  boolean,
  coerce,
  discriminatedUnion,
  enum,
  extend,
  globalRegistry,
  gt,
  gte,
  int,
  iso,
  literal,
  looseObject,
  lt,
  lte,
  maxLength,
  minLength,
  NEVER,
  nonnegative,
  null,
  nullable,
  number,
  object,
  optional,
  partial,
  partialRecord,
  pipe,
  positive,
  record,
  refine,
  regex,
  strictObject,
  string,
  toJSONSchema,
  transform,
  trim,
  tuple,
  union,
  unknown,
  url,
} from 'zod/mini';
export type { core, infer, input, output, ZodMiniNumber, ZodMiniType } from 'zod/mini';

/**
 * classic zod's `.describe()`: a copy of the schema with a description, which the rules' JSON
 * Schema and the OpenAPI document show (mini's `z.describe()` check would run on every parse).
 */
export const describe = <T extends ZodMiniType>(schema: T, description: string): T => meta(schema, { description });

/** classic zod's `.meta()`: a copy of the schema with JSON Schema metadata (`id` makes it a `$ref`). */
export function meta<T extends ZodMiniType>(schema: T, metadata: core.GlobalMeta): T {
  const copy = clone(schema);
  globalRegistry.add(copy, metadata);
  return copy;
}
