// Writes rules/rules.schema.json from the zod schema, so editors autocomplete and validate rules
// files through their "$schema" key. Generated, never edited by hand: `npm run rules:schema`.
import { writeFileSync } from 'node:fs';
import { rulesJsonSchema } from '../json-schema';

writeFileSync(process.argv[2] ?? 'rules/rules.schema.json', `${JSON.stringify(rulesJsonSchema(), null, 2)}\n`);
