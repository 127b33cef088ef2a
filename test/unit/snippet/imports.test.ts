// The snippet's modules import downwards only (index.ts wires what flows back up): no module
// reaches itself through its imports. Type-only imports are left out, since they vanish from the
// bundle.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';

const DIR = 'snippet';

/** Each snippet module's value imports of other snippet modules, by file name. */
function importsOf(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of readdirSync(DIR).filter((name) => name.endsWith('.ts'))) {
    const source = readFileSync(join(DIR, file), 'utf8');
    const targets = [...source.matchAll(/^import (?!type )[^;]*? from '\.\/([\w-]+)';$/gm)].map((match) => `${match[1]}.ts`);
    graph.set(file, targets);
  }
  return graph;
}

/** The cycles found by a depth-first walk, each as the files along it. */
function cycles(graph: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const walk = (file: string, path: string[]) => {
    if (path.includes(file)) return void found.push([...path.slice(path.indexOf(file)), file]);
    for (const next of graph.get(file) ?? []) walk(next, [...path, file]);
  };
  for (const file of graph.keys()) walk(file, []);
  return found;
}

it('reads the imports it checks (index.ts imports the transport and the decisions)', () => {
  expect(importsOf().get('index.ts')).toEqual(expect.arrayContaining(['transport.ts', 'decisions.ts', 'consent.ts']));
});

it('keeps the modules that nb.js imports on demand out of nb.js itself', () => {
  const graph = importsOf();
  const reached = new Set<string>();
  const walk = (file: string) => {
    if (!reached.has(file)) (reached.add(file), graph.get(file)?.forEach(walk));
  };
  walk('index.ts');
  expect(reached).toContain('storage.ts');
  expect([...reached].filter((file) => file === 'banners.ts' || file === 'identifiers.ts')).toEqual([]);
});

it('has no import cycles among the snippet modules', () => {
  expect(cycles(importsOf()).map((cycle) => cycle.join(' → '))).toEqual([]);
});
