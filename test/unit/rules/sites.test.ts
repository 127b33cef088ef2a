// Sites from files: every rules/<site>.json is a site named by its file (bundled, but the demo's),
// and a broken file stops the build with every problem as file:path: reason.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generatedModule, siteFiles, siteProblems } from '../../../rules/cli/sites';
import { jsonDifferences } from '../../../rules/cli/json-diff';
import { sites } from '../../../rules/sites';

const demo = readFileSync('rules/demo.json', 'utf8');

describe('rules sites', () => {
  it('finds a site per JSON file, by its name, but not the generated JSON Schema', () => {
    expect(siteFiles('rules', ['demo.json', 'acme-bank.json', 'rules.schema.json', 'README.md'])).toEqual([
      { site: 'acme-bank', file: 'rules/acme-bank.json' },
      { site: 'demo', file: 'rules/demo.json' },
    ]);
  });

  it("bundles every file found but the demo's: the committed module lists the rules files on disk", () => {
    expect(readFileSync('rules/sites.generated.ts', 'utf8')).toBe(generatedModule(siteFiles('rules')));
    expect([...sites.keys()]).toEqual(siteFiles('rules').flatMap((f) => (f.site === 'demo' ? [] : [f.site])));
    const module = generatedModule([{ site: 'acme-bank' }, { site: 'demo' }]);
    expect(module).toContain(`import site0 from './acme-bank.json';`);
    expect(module).not.toContain('demo.json');
  });

  it('names the file, the path and the reason of every problem', () => {
    const broken = JSON.parse(demo);
    broken.offers[0].when = { 'score.total': { $gtee: 1 } };
    const files = { 'rules/ok.json': demo, 'rules/broken.json': JSON.stringify(broken), 'rules/Bad Name.json': demo };
    const problems = siteProblems(
      siteFiles(
        'rules',
        Object.keys(files).map((f) => f.slice('rules/'.length)),
      ),
      (file) => files[file as keyof typeof files],
    );
    expect(problems).toEqual([
      'rules/Bad Name.json:(file name): "Bad Name" is not a site id: expected lowercase letters, digits, "_" or "-"',
      expect.stringMatching(/^rules\/broken\.json:offers\[0\]\.when\.score\.total\.\$gtee: /),
    ]);
  });
});

describe('rules diff', () => {
  it('lists what changes, path by path, naming array items by id', () => {
    const before = { offers: [{ id: 'a', banner: { title: 'Old' } }], origins: ['x'] };
    const after = { offers: [{ id: 'a', banner: { title: 'New' } }, { id: 'b' }], origins: ['x'], timezone: 'UTC' };
    expect(jsonDifferences(before, after)).toEqual([
      'offers[0](a).banner.title: "Old" → "New"',
      'offers[1](b): (absent) → {"id":"b"}',
      'timezone: (absent) → "UTC"',
    ]);
    expect(jsonDifferences(after, structuredClone(after))).toEqual([]);
  });
});
