// What an editor gets from rules.schema.json alone (a JSON Schema validator, as editors run one):
// a description on every property, the operators and context paths as completions, and which
// typical mistakes it flags before `rules check` runs. The figures in rules/README.md ("Editing
// rules") come from here.
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { CONTEXT_PATHS } from '../../../rules/condition-schema';
import { loadRules, newVisitor, applyEvent } from '../../../worker/engine';
import { buildContext, readPath } from '../../../worker/engine/context';
import { OPERATORS } from '../../../worker/engine/conditions';
import { Event } from '../../../worker/schema/events';
import type { RulesInput } from '../../../rules/schema';

type Schema = Record<string, unknown>;
const schema: Schema = JSON.parse(readFileSync('rules/rules.schema.json', 'utf8'));
const demo: RulesInput = JSON.parse(readFileSync('rules/demo.json', 'utf8'));

const refusesAll = (child: unknown) => JSON.stringify(child) === '{"not":{}}';

/** Every property an editor can complete or hover, as `where/name`, with its schema. */
function properties(node: unknown, at = '#'): Array<[string, unknown]> {
  if (node === null || typeof node !== 'object') return [];
  if (Array.isArray(node)) return node.flatMap((item, i) => properties(item, `${at}/${i}`));
  const found: Array<[string, unknown]> = [];
  for (const [key, value] of Object.entries(node)) {
    if ((key === 'properties' || key === 'patternProperties') && value && typeof value === 'object') {
      // `{ not: {} }` refuses a name (a "$" typo): nothing to describe.
      for (const [name, child] of Object.entries(value)) if (!refusesAll(child)) found.push([`${at}/${key}/${name}`, child]);
    }
    found.push(...properties(value, `${at}/${key}`));
  }
  return found;
}

const isDescribed = (child: unknown) => {
  const { description, markdownDescription } = child as Schema;
  return typeof description === 'string' && description !== '' && markdownDescription === description;
};

const ajv = new Ajv2020({ allErrors: true });
// VS Code's keyword: an annotation for ajv, which is strict about keywords it does not know.
ajv.addVocabulary(['markdownDescription']);
// The one format the schema uses (origins, webhooks, links); editors check it too.
ajv.addFormat('uri', (value: string) => URL.canParse(value));
const validate = ajv.compile(schema);
const editorErrors = (file: unknown) => (validate(file) ? [] : validate.errors!.map((e) => `${e.instancePath} ${e.message}`));
const cliProblems = (file: unknown) => {
  const result = loadRules(file, 'rules/site.json');
  return result.ok ? [] : result.problems;
};

describe('rules.schema.json for editors', () => {
  it('describes every property, in Markdown too', () => {
    const all = properties(schema);
    const undescribed = all.filter(([, child]) => !isDescribed(child)).map(([where]) => where);
    expect(undescribed).toEqual([]);
    expect(all.length).toBeGreaterThan(150);
  });

  it('gives examples for every section of the file', () => {
    const sections = (schema.properties ?? {}) as Record<string, Schema>;
    const without = Object.entries(sections).filter(([name, section]) => name !== '$schema' && !Array.isArray(section.examples));
    expect(without.map(([name]) => name)).toEqual([]);
  });

  it("offers the compiler's operators, and nothing else, inside a condition", () => {
    const condition = (schema.$defs as Record<string, Schema>).condition;
    const operators = (condition.$defs as Record<string, Schema>).operators.properties as Schema;
    expect(Object.keys(operators).sort()).toEqual([...OPERATORS, '$options'].sort());
    expect(Object.keys(condition.properties as Schema)).toEqual(expect.arrayContaining(['$and', '$or', '$nor', '$not']));
  });

  it('accepts the rules files of this repository', () => {
    expect(editorErrors(demo)).toEqual([]);
  });

  it('documents context paths that a real context has', () => {
    const rules = loadRules(demo, 'demo.json');
    if (!rules.ok) throw new Error(rules.problems.join('\n'));
    const t = Date.UTC(2026, 10, 2, 12);
    const url =
      'https://www.acme-lending.example/rates?utm_source=google&utm_medium=cpc&utm_campaign=jumbo&utm_term=rates&utm_content=ad1';
    const request = { url, referrer: 'https://google.com/', device: 'mobile', country: 'US' } as const;
    const consent = { analytics: true, personalization: true, ads: true };
    let state = newVisitor('visitor-0001', t);
    state = applyEvent(rules.rules, state, { id: 'event-0001', ts: t, type: 'page', url }, t, { ...request, consent });
    const context = buildContext(rules.rules, state, t + 1000, { ...request, consent });
    const eventFields = new Set(Event.def.options.flatMap((option) => Object.keys(option.shape)));
    const missing = Object.keys(CONTEXT_PATHS).filter((path) =>
      path.startsWith('event.') ? !eventFields.has(path.slice('event.'.length)) : readPath(context, path) === undefined,
    );
    expect(missing).toEqual([]);
  });

  // The five mistakes people make most, each in an otherwise good file: which the editor flags
  // alone (JSON Schema), and which `rules check` does. A regex is a string to JSON Schema: whether
  // it compiles, and whether it can backtrack catastrophically, only the CLI can tell.
  const mistakes: Array<[mistake: string, editor: boolean, change: (file: RulesInput) => void]> = [
    ['operator typo', true, (file) => void (file.offers![0].when = { 'score.total': { $gtee: 40 } })],
    ['missing required field', true, (file) => void delete (file.offers![0] as Record<string, unknown>).banner],
    ['wrong type', true, (file) => void ((file.audiences![0] as Record<string, unknown>).days = '30')],
    ['unknown section', true, (file) => void ((file as Record<string, unknown>).segmnets = [])],
    ['bad regex', false, (file) => void (file.offers![0].unless = { 'request.path': { $regex: '^/apply(' } })],
  ];

  it.each(mistakes)('%s: caught by the editor alone: %s; by rules check: always', (_mistake, editor, change) => {
    const file = structuredClone(demo);
    change(file);
    expect(editorErrors(file).length > 0).toBe(editor);
    expect(cliProblems(file).length).toBeGreaterThan(0);
  });

  it('flags an operator typo at its path, in the editor and in the CLI', () => {
    const file = structuredClone(demo);
    file.offers![0].when = { 'score.total': { $gtee: 40 } };
    expect(editorErrors(file)).toContain('/offers/0/when/score.total must NOT have additional properties');
    expect(cliProblems(file)).toContain(
      'rules/site.json:offers[0].when.score.total.$gtee: unknown operator "$gtee" (did you mean "$gte"?)',
    );
    file.offers![0].when = { $andd: [] };
    expect(editorErrors(file)).toContain('/offers/0/when/$andd must NOT be valid');
  });

  it('leaves unsafe regexes to the CLI', () => {
    const file = structuredClone(demo);
    file.offers![0].unless = { 'request.path': { $regex: '(a+)+$' } };
    expect(editorErrors(file)).toEqual([]);
    expect(cliProblems(file)).toEqual([
      'rules/site.json:offers[0].unless.request.path.$regex: nested quantifiers can backtrack catastrophically',
    ]);
  });
});
