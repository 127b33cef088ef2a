import { readFileSync } from 'node:fs';
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
    'rules/bad.json': JSON.stringify({ origins: [], offers: [{ id: 'a', slots: ['hero'], banner: { title: 't', placement: 'slot' }, when: { x: { $foo: 1 } } }] }),
    'rules/broken.json': '{ "origins": [',
  };
  const read = (file: string) => {
    if (!(file in files)) throw new Error('ENOENT: no such file');
    return files[file];
  };

  it('exits 0 and prints nothing for valid files', () => {
    expect(run((print) => checkFiles(['rules/good.json'], read, print))).toEqual({ code: 0, lines: [] });
  });

  it('prints file:path: reason for every problem and exits 1', () => {
    const { code, lines } = run((print) => checkFiles(['rules/good.json', 'rules/bad.json', 'rules/broken.json', 'rules/none.json'], read, print));
    expect(code).toBe(1);
    expect(lines[0]).toBe('rules/bad.json:offers[0].when.x.$foo: unknown operator "$foo"');
    expect(lines[1]).toMatch(/^rules\/broken\.json:\(root\): invalid JSON: /);
    expect(lines[2]).toBe('rules/none.json:(root): cannot read: ENOENT: no such file');
  });
});

describe('rules simulate', () => {
  it('tells the abandoned-application story', () => {
    const { code, lines } = run((print) =>
      simulate('rules/demo.json', readFileSync('rules/demo.json', 'utf8'), 'abandoned-application.jsonl', readFileSync('rules/examples/abandoned-application.jsonl', 'utf8'), print),
    );
    expect(code).toBe(0);
    const text = lines.join('\n');
    expect(text).toContain('audiences join mortgage_abandoners until 2026-12-02; leave -');
    expect(text).toContain('offer hero: finish-app/b "You\'re 2 steps from your pre-approval"');
    expect(text).toContain('    - form mortgage-app abandoned at step 3');
    expect(text).toContain('audiences join -; leave mortgage_abandoners');
    expect(lines.slice(-6).join('\n')).toMatch(/^ {2}offer hero: card-cross-sell/m);
  });

  it('reports bad event lines with their line number', () => {
    const { code, lines } = run((print) => simulate('rules/demo.json', readFileSync('rules/demo.json', 'utf8'), 'e.jsonl', '{"type":"page"}\nnot json', print));
    expect(code).toBe(1);
    expect(lines[0]).toMatch(/^e\.jsonl:1: /);
    expect(lines.at(-1)).toMatch(/^e\.jsonl:2: invalid JSON/);
  });
});
