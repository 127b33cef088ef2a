// The finance ad-policy lint: audiences that Google or Meta would refuse, flag or cut short when a
// lender sends them. Pure: a rules file in, findings out; `rules check`, the admin API's publish
// and the tests call it. The word lists and the policies they stand for: rules/README.md,
// "Ad-policy lint".
import { MAX_CONDITION_DEPTH } from '../worker/engine/conditions';
import type { ParsedRules } from './partial';

export type Severity = 'error' | 'warning';

export interface Finding {
  path: string;
  severity: Severity;
  reason: string;
  /** The platforms' policies it goes against, by name. */
  policies: string[];
}

/** What the lint reads: a RulesFile is one, and so is a file that failed the schema in part. */
export type PolicyInput = Pick<ParsedRules, 'products' | 'audiences' | 'segments'>;

export const POLICIES = {
  googleConsumerFinance: 'Google personalized ads: consumer finance in the US and Canada',
  metaSpecialCategory: 'Meta Special Ad Category: financial products and services',
  metaFinancialStatus: 'Meta: custom audiences that suggest financial status, restricted since September 2025',
  googleHardship: 'Google personalized ads: negative financial status',
  googleDuration: 'Google Ads: membership of at most 540 days',
  metaDuration: 'Meta website custom audiences: retention of at most 180 days',
} as const;

/** Longest membership each platform keeps, in days. */
export const MAX_DAYS = { google: 540, meta: 180 } as const;

/** A kind of personal data the platforms restrict, and the words (a sequence each) that name it. */
interface Category {
  label: string;
  terms: string[][];
  /** Only audiences for credit ads may not target it; otherwise every audience sent to a platform. */
  creditOnly: boolean;
  policies: string[];
  /** Words that, just before a term, make it something else (`loan_age` is no person's age). */
  notAfter?: string[];
}

const terms = (...list: string[]) => list.map((term) => term.split(' '));
const DEMOGRAPHIC = [POLICIES.googleConsumerFinance, POLICIES.metaSpecialCategory];

export const CATEGORIES: Category[] = [
  {
    label: 'age',
    terms: terms('age', 'ages', 'dob', 'birth', 'birthday', 'birthdate', 'birthyear'),
    creditOnly: true,
    policies: DEMOGRAPHIC,
    notAfter: [
      'account',
      'loan',
      'credit',
      'property',
      'home',
      'house',
      'vehicle',
      'car',
      'building',
      'page',
      'session',
      'cookie',
      'file',
      'data',
      'offer',
      'quote',
      'lead',
    ],
  },
  { label: 'gender', terms: terms('gender', 'sex'), creditOnly: true, policies: DEMOGRAPHIC },
  {
    label: 'ZIP/postal code',
    terms: terms('zip', 'zipcode', 'postal', 'postcode', 'postalcode'),
    creditOnly: true,
    policies: DEMOGRAPHIC,
  },
  {
    label: 'marital status',
    terms: terms('marital', 'married', 'spouse', 'divorced', 'widowed'),
    creditOnly: true,
    policies: DEMOGRAPHIC,
  },
  {
    label: 'parental status',
    terms: terms('parental', 'dependents', 'children', 'kids'),
    creditOnly: true,
    policies: DEMOGRAPHIC,
  },
  {
    label: 'financial status',
    terms: terms(
      'credit score',
      'credit rating',
      'credit history',
      'credit age',
      'credit tier',
      'fico',
      'income',
      'salary',
      'wage',
      'wages',
      'earnings',
      'net worth',
      'networth',
      'wealth',
      'wealthy',
      'affluent',
    ),
    creditOnly: false,
    policies: [POLICIES.metaFinancialStatus],
  },
  {
    label: 'financial hardship',
    terms: terms(
      'debt',
      'debts',
      'indebted',
      'dti',
      'declined',
      'denied',
      'denial',
      'bankrupt',
      'bankruptcy',
      'foreclosure',
      'foreclosed',
      'delinquent',
      'delinquency',
      'arrears',
      'collections',
      'defaulted',
      'insolvent',
      'insolvency',
      'repossession',
      'repossessed',
      'hardship',
      'overdrawn',
      'bad credit',
      'poor credit',
    ),
    creditOnly: false,
    policies: [POLICIES.metaFinancialStatus, POLICIES.googleHardship],
  },
];

/** Words that make a product, or an audience, one for credit ads. */
export const CREDIT_WORDS = new Set(
  'mortgage mortgages refinance refinancing refi heloc loan loans credit card cards lending lender borrow borrowing financing'.split(
    ' ',
  ),
);

/** A name split into lowercase words: `creditScore`, `credit_score` and `credit-score` read alike. */
export function words(text: string): string[] {
  return text
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

/** The first term of `category` among `list`, whole words only, or null. */
function termIn(list: string[], category: Category): string | null {
  for (let i = 0; i < list.length; i += 1) {
    if (i > 0 && category.notAfter?.includes(list[i - 1])) continue;
    const term = category.terms.find((t) => t.every((word, j) => list[i + j] === word));
    if (term) return term.join(' ');
  }
  return null;
}

/**
 * Text a condition holds, with its path in the file: `attribute` for the words of a field path
 * (a fact about the person), `name` for ids inside a path and string values (what a page, event
 * or product is called), which only suggest.
 */
interface Text {
  path: string;
  words: string[];
  kind: 'attribute' | 'name';
  /** The segment ids a `segments` test names. */
  segments?: string[];
}

/** Context paths with an id in them, and where: `score.products.<id>`, `forms.<id>`… */
function idSegment(segments: string[]): number {
  if (segments[0] === 'score' && segments[1] === 'products') return 2;
  return ['forms', 'offers', 'tracks'].includes(segments[0]) ? 1 : -1;
}

/** Every field path and string of a condition, through $and/$or/$nor/$not and $elemMatch. */
function texts(condition: unknown, at: string, depth = 1): Text[] {
  // Deeper conditions are refused when compiled (conditions.ts): stop rather than overflow.
  if (typeof condition !== 'object' || condition === null || depth > MAX_CONDITION_DEPTH) return [];
  return Object.entries(condition).flatMap(([key, value]): Text[] => {
    const path = `${at}.${key}`;
    if (key === '$and' || key === '$or' || key === '$nor') {
      return Array.isArray(value) ? value.flatMap((item, i) => texts(item, `${path}[${i}]`, depth + 2)) : [];
    }
    if (key === '$not') return texts(value, path, depth + 1);
    const segments = key.split('.');
    const id = idSegment(segments);
    const found: Text[] = [
      { path, words: segments.filter((_, i) => i !== id).flatMap(words), kind: 'attribute' },
      ...(id === -1 || segments[id] === undefined ? [] : [{ path, words: words(segments[id]), kind: 'name' as const }]),
      ...valueTexts(value, path, depth + 1),
    ];
    if (key === 'segments') found.push({ path, words: [], kind: 'name', segments: strings(value) });
    return found;
  });
}

/** The strings a field is compared with (a regex is read for its words), and $elemMatch fields. */
function valueTexts(value: unknown, at: string, depth: number): Text[] {
  if (depth > MAX_CONDITION_DEPTH) return [];
  if (typeof value === 'string') return [{ path: at, words: words(value), kind: 'name' }];
  if (Array.isArray(value)) return value.flatMap((item) => valueTexts(item, at, depth + 1));
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([op, arg]) => {
    if (op === '$elemMatch') return texts(arg, `${at}.$elemMatch`, depth + 1);
    return op.startsWith('$') ? valueTexts(arg, `${at}.${op}`, depth + 1) : [];
  });
}

function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === 'string');
  if (typeof value !== 'object' || value === null) return [];
  return Object.values(value).flatMap(strings);
}

type Audience = NonNullable<PolicyInput['audiences'][number]>;

/** Why an audience counts as one for credit ads, or null when it does not. */
function creditReason(audience: Audience, conditionTexts: Text[], creditProducts: string[]): string | null {
  if (audience.policy_category === 'credit') return 'policy_category "credit"';
  if (audience.policy_category) return null;
  const credit = (list: string[]) => list.find((word) => CREDIT_WORDS.has(word));
  const named =
    credit(words(audience.id)) ??
    credit(words(audience.description ?? '')) ??
    credit(conditionTexts.filter((t) => t.kind === 'name').flatMap((t) => t.words));
  if (named) return `it names "${named}"`;
  return creditProducts.length ? `the site sells credit: ${creditProducts.join(', ')}` : null;
}

/** Every finding of the ad-policy lint, in the order of the file. */
export function adPolicyFindings(rules: PolicyInput): Finding[] {
  const creditProducts = rules.products.flatMap((product) =>
    product && [product.id, product.label ?? ''].some((text) => words(text).some((word) => CREDIT_WORDS.has(word)))
      ? [product.id]
      : [],
  );
  const segments = new Map(rules.segments.flatMap((segment, i) => (segment ? [[segment.id, { segment, i }] as const] : [])));
  const findings: Finding[] = [];
  rules.audiences.forEach((audience, i) => {
    if (!audience || audience.policy_category === 'none') return;
    const at = `audiences[${i}]`;
    const own = [...texts(audience.when, `${at}.when`), ...texts(audience.exit_when ?? {}, `${at}.exit_when`)];
    const all = [...own, ...segmentTexts(own, segments)];
    const credit = creditReason(audience, own, creditProducts);
    findings.push(...sensitive(all, credit, audience.id));
    findings.push(...names(audience, at));
    findings.push(...durations(audience.days, `${at}.days`));
  });
  return findings;
}

/**
 * The conditions of the segments an audience tests (`{"segments": "x"}`), and of the segments
 * those test: an audience on a segment that reads income reads income.
 */
function segmentTexts(own: Text[], segments: Map<string, { segment: { when: unknown }; i: number }>): Text[] {
  const seen = new Set<string>();
  const found: Text[] = [];
  const queue = own.flatMap((t) => t.segments ?? []);
  for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
    const entry = segments.get(id);
    if (!entry || seen.has(id)) continue;
    seen.add(id);
    const more = texts(entry.segment.when, `segments[${entry.i}].when`);
    found.push(...more);
    queue.push(...more.flatMap((t) => t.segments ?? []));
  }
  return found;
}

/** Sensitive data in the conditions: an error on a field path, a warning in a name or value. */
function sensitive(all: Text[], credit: string | null, id: string): Finding[] {
  const findings: Finding[] = [];
  for (const text of all) {
    for (const category of CATEGORIES) {
      if (category.creditOnly && (credit === null || text.kind === 'name')) continue;
      const term = termIn(text.words, category);
      if (term === null) continue;
      const via = text.path.startsWith('segments[') ? ` (through a segment that audience "${id}" tests)` : '';
      findings.push(
        category.creditOnly
          ? {
              path: text.path,
              severity: 'error',
              reason: `an audience for credit ads (${credit}) may not target by ${category.label} ("${term}")${via}; if its ads are not for credit, set "policy_category": "other"`,
              policies: category.policies,
            }
          : text.kind === 'attribute'
            ? {
                path: text.path,
                severity: 'error',
                reason: `targets by ${category.label} ("${term}")${via}: the platforms refuse audiences built on it`,
                policies: category.policies,
              }
            : {
                path: text.path,
                severity: 'warning',
                reason: `"${term}" suggests ${category.label}${via}: the platforms may flag the audience`,
                policies: category.policies,
              },
      );
    }
  }
  return findings;
}

/** The audience's own id and description are what the platform shows: they may suggest too. */
function names(audience: Audience, at: string): Finding[] {
  const fields: Array<[string, string]> = [
    [`${at}.id`, audience.id],
    [`${at}.description`, audience.description ?? ''],
  ];
  return fields.flatMap(([path, text]) =>
    CATEGORIES.filter((category) => !category.creditOnly).flatMap((category): Finding[] => {
      const term = termIn(words(text), category);
      return term === null
        ? []
        : [
            {
              path,
              severity: 'warning',
              reason: `"${term}" suggests ${category.label}: the platforms may flag the audience by its name`,
              policies: category.policies,
            },
          ];
    }),
  );
}

function durations(days: number, path: string): Finding[] {
  const over = (max: number, platform: string, policy: string): Finding[] =>
    days > max
      ? [
          {
            path,
            severity: 'warning',
            reason: `${days} days is longer than ${platform} keeps a member (${max} days): members drop out there first`,
            policies: [policy],
          },
        ]
      : [];
  return [...over(MAX_DAYS.google, 'Google Ads', POLICIES.googleDuration), ...over(MAX_DAYS.meta, 'Meta', POLICIES.metaDuration)];
}

/** `path: severity: reason (policy; policy)`, the line `rules check` prints after `file:`. */
export function findingLine({ path, severity, reason, policies }: Finding): string {
  return `${path}: ${severity}: ${reason} (${policies.join('; ')})`;
}

/** Warnings become errors (`rules check --strict`). */
export function strictly(findings: Finding[]): Finding[] {
  return findings.map((finding) => ({ ...finding, severity: 'error' }));
}
