import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { z } from 'zod';
import { RulesFile } from '../../../rules/schema';

it('rules.schema.json is generated from the current zod schema (run npm run rules:schema)', () => {
  const stored = JSON.parse(readFileSync('rules/rules.schema.json', 'utf8'));
  const { title: _title, ...rest } = stored;
  expect(rest).toEqual(JSON.parse(JSON.stringify(z.toJSONSchema(RulesFile, { io: 'input', target: 'draft-2020-12' }))));
});
