// Writes rules/rules.schema.json from the zod schema, so editors autocomplete and validate rules
// files through their "$schema" key. Generated, never edited by hand: `npm run rules:schema`.
import { writeFileSync } from 'node:fs';
import { z } from 'zod';
import { RulesFile } from '../schema';

// "input": what people write, where fields with defaults are optional.
const schema = z.toJSONSchema(RulesFile, { io: 'input', target: 'draft-2020-12' });
writeFileSync(
  process.argv[2] ?? 'rules/rules.schema.json',
  `${JSON.stringify({ title: 'Nextbest rules file', ...schema }, null, 2)}\n`,
);
