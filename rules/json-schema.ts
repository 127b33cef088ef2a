// The JSON Schema of a rules file, for editors: generated from the zod schema (rules/schema.ts),
// with every description also given as `markdownDescription`, which VS Code renders (backticks,
// links) where it would show `description` as plain text.
import * as z from '../worker/lib/zod';
import { RulesFile } from './schema';
import { documentConditions } from './condition-schema';

export function rulesJsonSchema(): Record<string, unknown> {
  documentConditions();
  // "input": what people write, where fields with defaults are optional.
  const schema = z.toJSONSchema(RulesFile, { io: 'input', target: 'draft-2020-12' });
  return { title: 'Nextbest rules file', ...withMarkdown(schema) };
}

function withMarkdown<T>(node: T): T {
  if (Array.isArray(node)) return node.map(withMarkdown) as T;
  if (node === null || typeof node !== 'object') return node;
  const copy = Object.fromEntries(Object.entries(node).map(([key, value]) => [key, withMarkdown(value)]));
  // A string description is a keyword; an object under "description" is a property of that name.
  if (typeof copy.description === 'string' && !('markdownDescription' in copy)) copy.markdownDescription = copy.description;
  return copy as T;
}
