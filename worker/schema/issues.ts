// Turns zod issues into the "path: reason" lines that our error bodies and the rules CLI print.
import type * as z from '../lib/zod';

export function issuePath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (out, key) => (typeof key === 'number' ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)),
    '',
  );
}

export function describeIssue(issue: z.core.$ZodIssue, prefix = ''): { path: string; reason: string } {
  const path = issuePath(issue.path);
  const joined = prefix && path ? `${prefix}${path.startsWith('[') ? '' : '.'}${path}` : prefix || path;
  return { path: joined || '(root)', reason: issue.message };
}
