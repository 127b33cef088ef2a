// zod's classic API, the parts the worker uses, imported by name: `import { z } from 'zod'` hands
// esbuild zod's whole namespace object, and with it every locale (265 KB of a 725 KB minified
// bundle). Import it as `import * as z from '../lib/zod'`; code that runs only in Node (the rules
// CLI, JSON Schema export) may keep importing 'zod'.
export {
  array,
  boolean,
  coerce,
  discriminatedUnion,
  enum,
  iso,
  literal,
  looseObject,
  NEVER,
  null,
  number,
  object,
  partialRecord,
  record,
  strictObject,
  string,
  tuple,
  union,
  unknown,
  url,
} from 'zod';
export type { core, infer, input, output, ZodNumber, ZodType } from 'zod';
