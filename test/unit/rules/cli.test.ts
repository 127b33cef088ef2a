import { execSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkFiles } from '../../../rules/cli/check';
import { simulate } from '../../../rules/cli/simulate';

function run(fn: (print: (line: string) => void) => number) {
  const lines: string[] = [];
  const code = fn((line) => lines.push(line));
  return { code, lines };
}

describe('rules check', () => {
  const files: Record<string, string> = {
    'rules/good.json': readFileSync('rules/demo.json', 'utf8'),
    'rules/bad.json': JSON.stringify({
      origins: [],
      offers: [{ id: 'a', slots: ['hero'], banner: { title: 't', placement: 'slot' }, when: { x: { $foo: 1 } } }],
    }),
    'rules/broken.json': '{ "origins": [',
  };
  const read = (file: string) => {
    if (!(file in files)) throw new Error('ENOENT: no such file');
    return files[file];
  };

  it('exits 0 and prints one ok line with what a valid file holds', () => {
    const { code, lines } = run((print) => checkFiles(['rules/good.json'], read, print));
    expect(code).toBe(0);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^rules\/good\.json: ok \(\d+ products?, \d+ scoring rules?, \d+ stages?, \d+ segments?, \d+ offers?, \d+ audiences?\)$/,
    );
  });

  it('prints file:path: reason for every problem and exits 1', () => {
    const { code, lines } = run((print) =>
      checkFiles(['rules/good.json', 'rules/bad.json', 'rules/broken.json', 'rules/none.json'], read, print),
    );
    expect(code).toBe(1);
    expect(lines.shift()).toMatch(/^rules\/good\.json: ok /);
    expect(lines[0]).toBe('rules/bad.json:offers[0].when.x.$foo: unknown operator "$foo"');
    expect(lines[1]).toMatch(/^rules\/broken\.json:\(root\): invalid JSON: /);
    expect(lines[2]).toBe('rules/none.json:(root): cannot read: ENOENT: no such file');
  });
});

describe('rules check: the ad-policy lint', () => {
  const demo = JSON.parse(readFileSync('rules/demo.json', 'utf8'));
  const withAudience = (audience: object) => JSON.stringify({ ...demo, audiences: [...demo.audiences, audience] });
  const files: Record<string, string> = {
    'rules/long.json': withAudience({ id: 'long', when: { 'score.total': { $gte: 5 } }, days: 200 }),
    'rules/age.json': withAudience({ id: 'seniors', when: { 'event.props.age': { $gte: 60 } }, days: 30 }),
  };
  const read = (file: string) => files[file];

  it.each([
    [
      'a warning: printed, counted in the ok line, exit 0',
      'rules/long.json',
      {},
      0,
      [
        'rules/long.json:audiences[2].days: warning: 200 days is longer than Meta keeps a member (180 days): members drop out there first (Meta website custom audiences: retention of at most 180 days)',
        expect.stringMatching(/^rules\/long\.json: ok \(.*, 3 audiences, 1 warning\)$/),
      ],
    ],
    [
      'a warning with --strict: an error, no ok line, exit 1',
      'rules/long.json',
      { strict: true },
      1,
      [expect.stringMatching(/^rules\/long\.json:audiences\[2\]\.days: error: 200 days /)],
    ],
    [
      'an error: no ok line, exit 1',
      'rules/age.json',
      {},
      1,
      [expect.stringMatching(/^rules\/age\.json:audiences\[2\]\.when\.event\.props\.age: error: an audience for credit ads /)],
    ],
  ])('%s', (_, file, options, exit, expected) => {
    const { code, lines } = run((print) => checkFiles([file], read, print, options));
    expect(lines).toEqual(expected);
    expect(code).toBe(exit);
  });

  it('lints a file the schema refuses in part, beside its problems', () => {
    const broken = JSON.parse(files['rules/age.json']);
    broken.offers[0].caps = { per_day: 0 };
    const { code, lines } = run((print) => checkFiles(['x.json'], () => JSON.stringify(broken), print));
    expect(code).toBe(1);
    expect(lines).toEqual([
      'x.json:offers[0].caps.per_day: Too small: expected number to be >0',
      expect.stringMatching(/^x\.json:audiences\[2\]\.when\.event\.props\.age: error: /),
    ]);
  });

  it('takes --strict on the command line', () => {
    // The bundle `npm run rules` builds, with the package.json script's own esbuild command.
    const script = /^esbuild .*? && /.exec(JSON.parse(readFileSync('package.json', 'utf8')).scripts.rules)![0];
    const dir = mkdtempSync(join(tmpdir(), 'rules-cli-'));
    const bundle = join(dir, 'rules-cli.mjs');
    const command = script.replace(/^esbuild/, join('node_modules', '.bin', 'esbuild')).replace(' && ', '');
    execSync(command.replace('.cache/rules-cli.mjs', bundle), { stdio: 'pipe' });
    const file = join(dir, 'long.json');
    writeFileSync(file, files['rules/long.json']);
    const cli = (...args: string[]) => spawnSync(process.execPath, [bundle, 'check', ...args], { encoding: 'utf8' });
    const relaxed = cli(file);
    expect([relaxed.status, relaxed.stdout]).toEqual([0, expect.stringContaining(': warning: 200 days')]);
    const strict = cli('--strict', file);
    expect([strict.status, strict.stdout]).toEqual([1, expect.stringContaining(': error: 200 days')]);
    rmSync(dir, { recursive: true });
  });
});

describe('rules simulate', () => {
  it('tells the abandoned-application story', () => {
    const { code, lines } = run((print) =>
      simulate(
        'rules/demo.json',
        readFileSync('rules/demo.json', 'utf8'),
        'abandoned-application.jsonl',
        readFileSync('rules/examples/abandoned-application.jsonl', 'utf8'),
        print,
      ),
    );
    expect(code).toBe(0);
    const text = lines.join('\n');
    expect(text).toContain('audiences join mortgage_abandoners until 2026-12-02; leave -');
    expect(text).toContain('offer hero: finish-app/b "You\'re 2 steps from your pre-approval"');
    expect(text).toContain('    - form mortgage-app abandoned at step 3');
    expect(text).toContain('audiences join -; leave mortgage_abandoners');
    expect(lines.slice(-6).join('\n')).toMatch(/^ {2}offer hero: card-cross-sell/m);
  });

  it('counts a click on an offer once: converting afterwards earns no click points', () => {
    const { lines } = run((print) =>
      simulate(
        'rules/demo.json',
        readFileSync('rules/demo.json', 'utf8'),
        'abandoned-application.jsonl',
        readFileSync('rules/examples/abandoned-application.jsonl', 'utf8'),
        print,
      ),
    );
    const afterConvert = lines.slice(lines.findIndex((line) => line.includes('finish-app/b convert')));
    expect(afterConvert[1]).toContain('clicked an offer +5,');
  });

  it('says why a slot stays empty, offer by offer', () => {
    const rules = JSON.stringify({
      origins: ['https://acme.example'],
      offers: [
        { id: 'once', slots: ['hero'], caps: { per_day: 1 }, banner: { title: 'Once a day', placement: 'slot' } },
        { id: 'later', slots: ['hero'], when: { 'counters.pages': { $gte: 5 } }, banner: { title: 'Later', placement: 'slot' } },
      ],
    });
    const events = [
      '{"id":"evt-0001","ts":1793642400000,"type":"page","url":"https://acme.example/","slots":["hero"]}',
      '{"id":"evt-0002","ts":1793642401000,"type":"offer","offer":"once","action":"impression"}',
      '{"id":"evt-0003","ts":1793642402000,"type":"page","url":"https://acme.example/","slots":["hero"]}',
      '{"id":"evt-0004","ts":1793642403000,"type":"page","url":"https://acme.example/","slots":["hero"],"context":{"consent":{"personalization":false}}}',
    ].join('\n');
    const { code, lines } = run((print) => simulate('rules/r.json', rules, 'e.jsonl', events, print));
    expect(code).toBe(0);
    expect(lines.slice(lines.indexOf('#3 2026-11-02T18:00:02.000Z page https://acme.example/'))).toEqual([
      '#3 2026-11-02T18:00:02.000Z page https://acme.example/',
      '  score 0; because -',
      '  stage -; segments -',
      '  no offer for hero',
      '    - once: capped: 1 of 1 impressions today (UTC)',
      '    - later: conditions not met',
      '  audiences join -; leave -',
      '#4 2026-11-02T18:00:03.000Z page https://acme.example/',
      '  score 0; because -',
      '  stage -; segments -',
      '  no offer for hero',
      '    - the visitor refused personalization',
      '  audiences join -; leave -',
    ]);
  });

  it('checks the slots and request of each line, naming the line', () => {
    const events = [
      '{"id":"evt-0001","ts":1793642400000,"type":"page","url":"https://acme.example/","slots":"hero"}',
      '{"id":"evt-0002","ts":1793642400000,"type":"page","url":"https://acme.example/","context":{"devise":"mobile","consent":{"ads":"yes"}}}',
      'null',
    ].join('\n');
    const { code, lines } = run((print) =>
      simulate('rules/demo.json', readFileSync('rules/demo.json', 'utf8'), 'e.jsonl', events, print),
    );
    expect(code).toBe(1);
    expect(lines).toEqual([
      'e.jsonl:1: slots: Invalid input: expected array, received string',
      'e.jsonl:2: context.consent.ads: Invalid input: expected boolean, received string',
      'e.jsonl:2: context: Unrecognized key: "devise"',
      'e.jsonl:3: (root): Invalid input: expected object, received null',
    ]);
  });

  it('reports bad event lines with their line number', () => {
    const { code, lines } = run((print) =>
      simulate('rules/demo.json', readFileSync('rules/demo.json', 'utf8'), 'e.jsonl', '{"type":"page"}\nnot json', print),
    );
    expect(code).toBe(1);
    expect(lines[0]).toMatch(/^e\.jsonl:1: /);
    expect(lines.at(-1)).toMatch(/^e\.jsonl:2: invalid JSON/);
  });
});
