import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { rulesJsonSchema } from '../../../rules/json-schema';

it('rules.schema.json is generated from the current zod schema (run npm run rules:schema)', () => {
  const stored = JSON.parse(readFileSync('rules/rules.schema.json', 'utf8'));
  expect(stored).toEqual(JSON.parse(JSON.stringify(rulesJsonSchema())));
});
