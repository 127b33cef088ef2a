// Each table has one module that writes it, named in that module's opening comment: a change of a
// table's columns or meaning then has one place to go. The Durable Object's tables are private to
// their owner altogether (read and written there only); D1's rollup tables are also read by the
// reports built on them. Found by scanning the worker's source for SQL statements.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const WORKER = join(ROOT, 'worker');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

const files = sources(WORKER).map((path) => ({ name: relative(ROOT, path), text: readFileSync(path, 'utf8') }));
const d1Tables = readdirSync(join(WORKER, 'analytics/migrations'))
  .flatMap((file) => [
    ...readFileSync(join(WORKER, 'analytics/migrations', file), 'utf8').matchAll(/CREATE TABLE IF NOT EXISTS (\w+)/g),
  ])
  .map((match) => match[1])
  // Dropped tables: the first rollups' dedup table (replaced by seen_events) and the first-seen step
  // labels (replaced by form_step_labels).
  .filter((table) => table !== 'processed' && table !== 'form_steps');
const objectTables = ['visitor', 'events', 'links', 'audience_sync', 'mirrored', 'outbox'];

const WRITE = /\b(?:INSERT(?: OR \w+)? INTO|UPDATE|DELETE FROM|CREATE TABLE(?: IF NOT EXISTS)?|ALTER TABLE)\s+(\w+)/g;
const READ = /\b(?:FROM|JOIN)\s+(\w+)/g;

function modulesThat(pattern: RegExp, table: string): string[] {
  return files.filter(({ text }) => [...text.matchAll(pattern)].some((match) => match[1] === table)).map(({ name }) => name);
}

/** The comment lines a file opens with. */
const openingComment = (text: string) => text.slice(0, text.search(/^(?!\/\/)/m));

describe('table owners', () => {
  it.each(d1Tables)('D1 table %s is written by one module, which says so', (table) => {
    const writers = modulesThat(WRITE, table);
    expect(writers).toHaveLength(1);
    expect(openingComment(files.find(({ name }) => name === writers[0])!.text)).toContain(table);
  });

  it.each(objectTables)("the visitor object's table %s is read and written by one module, which says so", (table) => {
    const users = [...new Set([...modulesThat(WRITE, table), ...modulesThat(READ, table)])];
    expect(users).toHaveLength(1);
    expect(openingComment(files.find(({ name }) => name === users[0])!.text)).toContain(`\`${table}\``);
  });
});
