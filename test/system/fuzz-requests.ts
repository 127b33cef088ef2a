// Seeded hostile requests for every public endpoint of the worker: structural mutations of valid
// bodies, schema-valid bodies with hostile content (odd URLs, unicode and lone surrogates, huge
// numbers, absurd times, prototype keys, deep nesting, long strings), raw garbage, odd paths and
// queries, every content type, keyed routes with and without a key, oversized bodies. The system
// test sends a few thousand (fuzz.test.ts), `npm run bench:fuzz` a hundred thousand (fuzz-run.ts).
import fc from 'fast-check';
import { seededRandom } from '../../worker/engine/hash';

export interface FuzzRequest {
  /** What was generated, to group the answers: `POST /v1/collect mutated: events.0.url`. */
  kind: string;
  method: string;
  /** Appended to the worker's origin as it is (fetch normalises it as browsers do). */
  path: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
}

export interface FuzzOptions {
  seed: number;
  apiKey: string;
  /** The visitor every structurally mutated collect body aims at, whose profile must stay whole. */
  victim: string;
  /** Event times are around this instant. */
  now: number;
}

const BROWSER = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36';
const SITE = 'demo';
const KB = 1024;

/** The odd URLs of issue #13 and their kin: each reaches URL parsing on some path. */
const ODD_URLS = [
  'http://localhost:8787//a b',
  '/%2F%2F%5B',
  '//%25',
  '//:99999',
  'http://localhost:8787/%2F%2Fevil.example/rates',
  'https://demo.example//:99999',
  'https://demo.example/%2F%2F%5B',
  'https://demo.example//%25',
  'https://demo.example/%E0%A4%A',
  'https://demo.example/?q=%&r=%%',
  'https://demo.example/%5C%5Cevil.example',
  'https://demo.example/%2F%2F%2F%2F',
  'https://demo.example/%2F%2Fuser:pass@evil.example:99999/x',
  'https://demo.example/a#%2F%2F%5B',
  'https://demo.example:0/',
  'https://user:pass@demo.example/rates',
  'https://[::1]:8787/',
  'https://демо.example/ставки?почта=ivan@example.com',
  'https://xn--/',
  'http://0x7f.1/',
  'https://demo.example/call-555-123-4567/acct/12345678901',
  `https://demo.example/${'%'.repeat(300)}`,
  `https://demo.example/${'a'.repeat(2020)}`,
  'javascript:alert(1)',
  'data:text/html,<script>alert(1)</script>',
  'file:///etc/passwd',
  'https:////',
  'http:',
  '//',
  '',
];

const LONG = 'x'.repeat(100 * KB);
const HOSTILE_TEXT = [
  '🏦💸👩‍👩‍👧‍👦🏳️‍🌈',
  '\uD800',
  'lone \uDC00 low',
  '\uDBFF\uDFFF\uFFFF\uFFFE',
  '\u0000\u0001\u001f',
  '\u202Eevil\u202C',
  '\uFEFFbom',
  'e\u0301\u0301\u0301\u0301',
  'Z̸̢̛̤̈́a̵͚͌l̸̙̓g̷̳̈o̶̬͠',
  '<script>alert(1)</script>',
  "'; DROP TABLE daily_counts; --",
  '%s%n%x{0}${x}{{constructor}}',
  'ivan@example.com +1 (555) 123-4567 4111111111111111',
  '__proto__',
  'constructor',
  '',
  ' ',
  'x'.repeat(200),
  'y'.repeat(2049),
  LONG,
];

/** Numbers JSON can carry, and some it cannot (written into the text as raw literals). */
const NUMBERS: unknown[] = [
  0,
  -0,
  -1,
  1.5,
  1e308,
  -1e308,
  5e-324,
  8.64e15,
  8.64e15 + 1,
  2 ** 53,
  2 ** 53 + 2,
  -(2 ** 53),
  1e21,
  9e15,
];
const RAW_NUMBERS = ['1e400', '-1e400', '1e-400', '123456789012345678901234567890', '-0.0', '1E+2'];
const KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'valueOf',
  '__defineGetter__',
  '',
  '🔑',
  'extra',
];
/** Times: ts 0 with sent_at 8.64e15 is the pair of issue #13; the rest straddle the schema's bounds. */
const TIMES = [0, 1, 8.64e15, 8.64e15 - 1, 253402300800000, -62198755200000, 2 ** 31, 2 ** 32];

// A marker for a raw JSON literal, replaced in the serialised text (JSON.stringify cannot write them).
const RAW = '\u0001raw:';
const raw = (literal: string) => `${RAW}${literal}`;

/** A value with `key` as an own, enumerable property, whatever the key (`__proto__` included). */
function withKey(target: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  Object.defineProperty(target, key, { value, enumerable: true, configurable: true, writable: true });
  return target;
}

const deepArray = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
const deepObject = (depth: number): unknown => (depth === 0 ? 'x' : { a: [deepObject(depth - 1)] });

function serialise(value: unknown): string {
  const text = JSON.stringify(value) ?? 'undefined';
  return text.includes(RAW) ? text.replace(/"\\u0001raw:([^"]*)"/g, '$1') : text;
}

type Dice = ReturnType<typeof dice>;

function dice(seed: number) {
  const random = seededRandom(seed);
  const int = (n: number) => Math.floor(random() * n);
  const pick = <T>(list: readonly T[]): T => list[int(list.length)];
  const chance = (p: number) => random() < p;
  const hex = (length: number) => Array.from({ length }, () => '0123456789abcdef'[int(16)]).join('');
  return { random, int, pick, chance, hex };
}

/** Values fast-check makes up (odd objects, strings, numbers), drawn once per seed and reused. */
function anythingPool(seed: number): unknown[] {
  return fc.sample(fc.anything({ maxDepth: 3, withObjectString: true, withNullPrototype: true, withBoxedValues: true }), {
    seed,
    numRuns: 300,
  });
}

function hostileValue(d: Dice, pool: unknown[]): unknown {
  switch (d.int(9)) {
    case 0:
      return d.pick(pool);
    case 1:
      return d.pick(HOSTILE_TEXT);
    case 2:
      return d.pick(ODD_URLS);
    case 3:
      return d.pick(NUMBERS);
    case 4:
      return raw(d.pick(RAW_NUMBERS));
    case 5:
      return withKey({}, d.pick(KEYS), d.chance(0.5) ? { polluted: true } : d.pick(pool));
    case 6:
      return deepObject(d.pick([10, 100, 1000]));
    case 7:
      return d.pick([null, true, false, [], {}, [null], '0', 'true', 'null']);
    default:
      return d.pick(TIMES);
  }
}

// ---- Valid bodies, the starting points -------------------------------------------------------

const ids = (d: Dice) => `${d.hex(8)}${d.hex(8)}`;

function validEvent(d: Dice, now: number, types: readonly string[]): Record<string, unknown> {
  const base = { id: ids(d), ts: now - d.int(60_000) };
  switch (d.pick(types)) {
    case 'page':
      return { ...base, type: 'page', url: 'https://demo.example/rates.html', ref: 'https://www.google.com/', title: 'Rates' };
    case 'form':
      return {
        ...base,
        type: 'form',
        form: 'mortgage-app',
        action: d.pick(['start', 'step', 'submit', 'abandon']),
        step: 1 + d.int(4),
        steps: 4,
      };
    case 'offer':
      return {
        ...base,
        type: 'offer',
        offer: 'finish-app',
        variant: 'a',
        action: d.pick(['impression', 'click', 'dismiss', 'convert']),
      };
    case 'identify':
      return { ...base, type: 'identify', uid: d.hex(64), traits: { plan: 'gold' } };
    default:
      return { ...base, type: 'track', name: 'calculator_used', props: { amount: 300000, term: '30y', ok: true, none: null } };
  }
}

const EVENT_TYPES = ['page', 'form', 'offer', 'track', 'identify'] as const;
/** The victim gets no identify event: linking it would merge it into a user's profile. */
const VICTIM_TYPES = ['page', 'form', 'offer', 'track'] as const;

function validBatch(d: Dice, vid: string, now: number, types: readonly string[]): Record<string, unknown> {
  return {
    site: SITE,
    vid,
    sid: ids(d),
    sent_at: now,
    slots: ['hero', 'sidebar'],
    events: Array.from({ length: 1 + d.int(3) }, () => validEvent(d, now, types)),
  };
}

// ---- Structural mutations --------------------------------------------------------------------

type Path = Array<string | number>;

function paths(value: unknown, prefix: Path = []): Path[] {
  if (value === null || typeof value !== 'object') return [prefix];
  const children = Array.isArray(value)
    ? value.map((item, i) => paths(item, [...prefix, i]))
    : Object.entries(value).map(([k, v]) => paths(v, [...prefix, k]));
  return [prefix, ...children.flat()];
}

function parentOf(root: unknown, path: Path): Record<string | number, unknown> {
  let node = root as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  return node;
}

/** Changes one place of a valid body: replaced, removed, wrapped, retyped, or a key added beside it. */
function mutate(d: Dice, pool: unknown[], body: Record<string, unknown>): { body: unknown; what: string } {
  const candidates = paths(body).filter((path) => path.length > 0);
  const path = d.pick(candidates);
  const parent = parentOf(body, path);
  const key = path[path.length - 1];
  const where = path.join('.');
  switch (d.int(6)) {
    case 0:
      delete parent[key];
      return { body, what: `removed ${where}` };
    case 1:
      parent[key] = [parent[key]];
      return { body, what: `wrapped ${where}` };
    case 2: {
      const name = d.pick(KEYS);
      withKey(Array.isArray(parent) ? body : parent, name, hostileValue(d, pool));
      return { body, what: `added ${name || '""'} beside ${where}` };
    }
    case 3: {
      // Many items (events, slots), some the same, past the caps now and then.
      const list = Object.keys(body).find((name) => Array.isArray(body[name]) && (body[name] as unknown[]).length);
      if (list === undefined) break;
      const items = body[list] as unknown[];
      body[list] = Array.from({ length: d.pick([2, 20, 21, 100, 101, 1000]) }, (_, i) => items[i % items.length]);
      return { body, what: `repeated ${list}` };
    }
  }
  parent[key] = hostileValue(d, pool);
  return { body, what: where };
}

/** Damages the text itself: cut short, a byte changed, a key twice, a BOM, a trailing comma. */
function damageText(d: Dice, text: string): { body: string | Uint8Array; what: string } {
  const at = d.int(text.length);
  switch (d.int(7)) {
    case 0:
      return { body: text.slice(0, at), what: 'truncated' };
    case 1:
      return {
        body: text.slice(0, at) + d.pick(['"', '{', ']', '\\', '\u0000', '\uD800', ',']) + text.slice(at),
        what: 'character inserted',
      };
    case 2:
      return { body: text.replace('{', '{"site":"other","vid":"x",'), what: 'keys twice' };
    case 3:
      return { body: '\uFEFF' + text, what: 'byte order mark' };
    case 4:
      return { body: text.replace(/}$/, ',}'), what: 'trailing comma' };
    case 5: {
      const bytes = new TextEncoder().encode(text);
      bytes[d.int(bytes.length)] = d.pick([0xff, 0xfe, 0xc0, 0x80, 0xed]);
      return { body: bytes, what: 'invalid UTF-8' };
    }
    default:
      return { body: Buffer.from(text, 'utf16le'), what: 'UTF-16' };
  }
}

// ---- Schema-valid bodies with hostile content ------------------------------------------------

/** Event times the schema takes, absurd ones among them. */
const validTime = (d: Dice, now: number) =>
  d.pick([now, 0, 1, 8.64e15, 8.64e15 - 1, 2 ** 31, 2 ** 32, 253402300800000, now - 400 * 86_400_000, now + 365 * 86_400_000]);
const validName = (d: Dice) =>
  d.pick([
    'constructor',
    'prototype',
    'tostring',
    'hasownproperty',
    'valueof',
    '0',
    'a'.repeat(64),
    'hero',
    'mortgage-app',
    'finish-app',
    'x-_-',
  ]);
const validId = (d: Dice) =>
  d.pick([ids(d), 'a'.repeat(64), '________', '--------', `constructor${d.hex(4)}`, `__proto__${d.hex(4)}`]);
const validText = (d: Dice, max: number) =>
  d.pick(HOSTILE_TEXT.filter((text) => text.length <= max).concat(d.pick(ODD_URLS).slice(0, max)));
const validNumber = (d: Dice) => d.pick([0, -0, -1, 1e308, -1e308, 5e-324, 2 ** 53 + 2, 1.5, -123456789012345]);
const HTTP_ODD_URLS = ODD_URLS.filter((url) => /^https?:\/\/[^/]/.test(url));

function validProps(d: Dice, value: () => unknown): Record<string, unknown> {
  const props: Record<string, unknown> = {};
  for (let i = d.int(26); i > 0; i--) withKey(props, validName(d), value());
  return props;
}

/**
 * Schema-valid collect bodies, each hostile in one way only, so that the kind of a failing request
 * names what it takes to fail.
 */
const THEMES = [
  'odd URLs',
  'absurd times',
  'hostile text',
  'prototype names',
  'extreme numbers',
  'a full batch',
  'odd slots and ids',
] as const;
type Theme = (typeof THEMES)[number];

function themedEvent(d: Dice, now: number, theme: Theme): Record<string, unknown> {
  const event = validEvent(d, now, theme === 'odd URLs' ? ['page'] : EVENT_TYPES);
  const set = (field: string, value: () => unknown) => {
    if (field in event) event[field] = value();
  };
  const props = (value: () => unknown) => {
    set('props', () => validProps(d, value));
    set('traits', () => validProps(d, value));
  };
  if (theme === 'odd URLs') {
    set('url', () => d.pick(HTTP_ODD_URLS));
    set('ref', () => d.pick(ODD_URLS));
  } else if (theme === 'absurd times') {
    event.ts = validTime(d, now);
  } else if (theme === 'hostile text') {
    set('title', () => validText(d, 300));
    set('ref', () => validText(d, 2048));
    set('step_name', () => validText(d, 64));
    props(() => validText(d, 200));
  } else if (theme === 'prototype names') {
    event.id = validId(d);
    for (const field of ['name', 'form', 'offer', 'variant']) set(field, () => validName(d));
    props(() => d.pick([true, null, 'x']));
  } else if (theme === 'extreme numbers') {
    set('step', () => d.pick([1, 50]));
    set('steps', () => d.pick([1, 50]));
    props(() => validNumber(d));
  }
  return event;
}

function themedBatch(d: Dice, now: number): { body: Record<string, unknown>; what: string } {
  const theme = d.pick(THEMES);
  const events = Array.from({ length: theme === 'a full batch' ? 100 : 1 + d.int(5) }, () => themedEvent(d, now, theme));
  // A few visitors, each its own Durable Object, so that events meet a profile with history.
  const body: Record<string, unknown> = { site: SITE, vid: `fuzzvisitor${d.int(20)}`, sent_at: now, slots: ['hero'], events };
  if (theme === 'a full batch') events[99] = events[0];
  if (theme === 'absurd times') {
    body.sent_at = validTime(d, now);
    // Issue #13's pair: an event at the epoch sent from the end of time.
    if (d.chance(0.3)) [events[0].ts, body.sent_at] = [0, 8.64e15];
  }
  if (theme === 'odd slots and ids') {
    Object.assign(body, { vid: validId(d), sid: validId(d) });
    body.slots = d.pick([
      [],
      ['constructor', '__proto__', 'Hero', 'x'.repeat(200), '🏦', ''],
      Array.from({ length: 100 }, (_, i) => `s${i}`),
    ]);
  }
  return { body, what: theme };
}

// ---- Whole requests --------------------------------------------------------------------------

/** Bodies just over and far over the 64 KB cap, and one within it. */
function oversized(d: Dice, template: unknown): { body: string | Uint8Array; what: string } {
  const size = d.pick([64 * KB - 200, 64 * KB + 1, 200 * KB, 1024 * KB + 1, 3 * 1024 * KB]);
  const padded = serialise(withKey(template as Record<string, unknown>, 'pad', ''));
  const text = padded.replace('"pad":""', `"pad":"${'p'.repeat(Math.max(0, size - padded.length))}"`);
  return { body: text, what: `${Math.round(size / KB)} KB` };
}

function rawGarbage(d: Dice, pool: unknown[]): { body: string | Uint8Array; what: string } {
  switch (d.int(6)) {
    case 0:
      return { body: Uint8Array.from({ length: d.int(400) }, () => d.int(256)), what: 'random bytes' };
    case 1:
      return { body: serialise(d.pick(pool)), what: 'some JSON' };
    case 2:
      return { body: deepArray(d.pick([1000, 10_000, 30_000])), what: 'nested arrays' };
    case 3:
      return { body: '{"a":'.repeat(5000) + '1' + '}'.repeat(5000), what: 'nested objects' };
    case 4:
      return {
        body: d.pick(['', ' ', 'null', '[]', '{}', '"x"', '1e400', 'NaN', '{"__proto__":{"polluted":true}}', 'undefined']),
        what: 'tiny',
      };
    default:
      return { body: serialise(d.pick(HOSTILE_TEXT)), what: 'a string' };
  }
}

const CONTENT_TYPES = [
  'application/json',
  'application/json',
  'application/json',
  'text/plain',
  'text/plain;charset=UTF-8',
  'TEXT/PLAIN; charset=utf-16',
  'application/json; charset=latin1',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/jsonp',
  '',
  undefined,
];

function headersFor(d: Dice, apiKey: string, keyed: boolean, contentType?: string | null): Record<string, string> {
  const headers: Record<string, string> = {};
  const agent = d.random();
  if (agent < 0.9) headers['user-agent'] = BROWSER;
  else if (agent < 0.95) headers['user-agent'] = d.pick(['Googlebot/2.1', 'HeadlessChrome', 'x'.repeat(8000), '\u00ff\u00fe']);
  if (contentType !== null) {
    const type = contentType ?? d.pick(CONTENT_TYPES);
    if (type !== undefined) headers['content-type'] = type;
  }
  if (keyed ? d.chance(0.75) : d.chance(0.05)) {
    const shape = d.int(10);
    if (shape < 6) headers.authorization = `Bearer ${apiKey}`;
    else if (shape < 8) headers['x-api-key'] = apiKey;
    else
      headers.authorization = d.pick([
        'Bearer wrong-key',
        'Bearer ',
        'Basic Zm9vOmJhcg==',
        `Bearer ${'k'.repeat(5000)}`,
        `Bearer ${apiKey},${apiKey}`,
        'bearer\t\u00ff',
      ]);
  }
  if (d.chance(0.05))
    headers.origin = d.pick(['null', 'https://evil.example', 'http://localhost:8787', 'http://127.0.0.1:8787', '\u00ff']);
  if (d.chance(0.03)) headers['sec-gpc'] = '1';
  if (d.chance(0.03)) headers['cf-connecting-ip'] = d.pick(['::1', '999.999.1.1', '', 'x'.repeat(300)]);
  return headers;
}

/** A body for a POST route: mutated, valid-but-hostile, damaged text, garbage or oversized. */
function bodyFor(d: Dice, pool: unknown[], valid: () => Record<string, unknown>, hostile: () => { body: unknown; what: string }) {
  const roll = d.random();
  if (roll < 0.4) {
    const { body, what } = mutate(d, pool, valid());
    return { body: serialise(body), what: `mutated: ${what}` };
  }
  if (roll < 0.6) {
    const { body, what } = hostile();
    return { body: serialise(body), what: `schema-valid: ${what}` };
  }
  if (roll < 0.72) {
    const { body, what } = damageText(d, serialise(valid()));
    return { body, what: `damaged text: ${what}` };
  }
  if (roll < 0.76) {
    const { body, what } = oversized(d, valid());
    return { body, what: `oversized: ${what}` };
  }
  if (roll < 0.8) return { body: serialise(valid()), what: 'valid' };
  const { body, what } = rawGarbage(d, pool);
  return { body, what: `garbage: ${what}` };
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
/** Percent-encodes, a lone surrogate as the bytes of its (invalid) UTF-8 form, which no decoder takes. */
const encode = (value: string) => value.split(LONE_SURROGATE).map(encodeURIComponent).join('%ED%A0%80');

/** A path segment: valid, hostile (encoded or not), or an odd URL pasted into it. */
function segment(d: Dice, valid: string): string {
  const roll = d.random();
  if (roll < 0.5) return valid;
  if (roll < 0.75) return encode(String(d.pick([...HOSTILE_TEXT.slice(0, -2), ...KEYS, 'A'.repeat(65), '..', '.'])));
  return d.pick(['%', '%E0%A4%A', '%00', '%2F%2F%5B', '%2e%2e', '%F0%9F%8F%A6', '..%2F..%2F', ';', '?', '#x', 'x'.repeat(5000)]);
}

/** A query value: valid, hostile or broken percent-encoding. */
function queryValue(d: Dice, valid: readonly string[]): string {
  const roll = d.random();
  if (roll < 0.5) return encode(d.pick(valid));
  if (roll < 0.8) return encode(String(d.pick([...HOSTILE_TEXT.slice(0, -1), ...NUMBERS.map(String), ...RAW_NUMBERS])));
  return d.pick([
    '%',
    '%ZZ',
    '%E0%A4%A',
    '',
    '1e309',
    '-1',
    'NaN',
    '0x10',
    '2026-02-31',
    '2026-13-01',
    '0000-01-01',
    '9999-12-31',
    '+275760-09-13',
    '-271821-04-20',
  ]);
}

function query(d: Dice, fields: Record<string, readonly string[]>): string {
  const parts = Object.entries(fields)
    .filter(() => d.chance(0.6))
    .map(([name, valid]) => `${d.chance(0.05) ? encode(d.pick(KEYS)) : name}=${queryValue(d, valid)}`);
  if (d.chance(0.1)) parts.push(`${encode(d.pick(KEYS))}=1`, parts[0] ?? 'x=1');
  return parts.length ? `?${parts.join('&')}` : '';
}

const DAYS = ['2026-01-01', '2026-11-30', '2025-12-01', '2026-12-04', '2024-02-29'];
const POOL_VIDS = (d: Dice) => `fuzzkeyed${d.int(20)}`;
/** User ids the keyed identify route links visitors to: few, so that merges happen. */
const POOL_UID = (d: Dice) => `${d.int(4)}`.repeat(64);

/** Requests to the routes that need an API key (and some that do not), with and without one. */
function keyedGet(d: Dice, options: FuzzOptions): FuzzRequest {
  const route = d.pick([
    'profile',
    'profile',
    'audiences',
    'stats',
    'dashboard',
    'webhooks',
    'rules',
    'versions',
    'openapi',
    'health',
    'snippet',
    'demo',
  ]);
  const headers = headersFor(d, options.apiKey, true, null);
  const paths: Record<string, () => string> = {
    profile: () => `/v1/profile/${segment(d, SITE)}/${segment(d, d.chance(0.5) ? options.victim : POOL_VIDS(d))}`,
    audiences: () =>
      `/v1/audiences/${segment(d, SITE)}/${segment(d, d.pick(['mortgage_abandoners', 'rate_shoppers']))}${query(d, { cursor: [btoa('fuzzkeyed1'), '', '====', '!!'], limit: ['1', '1000', '1001', '0'] })}`,
    stats: () =>
      `/v1/stats/${segment(d, SITE)}${query(d, { from: DAYS, to: DAYS, metric: ['traffic', 'forms,offers', 'lifecycle', 'traffic,,', 'nope'] })}`,
    dashboard: () =>
      `/dashboard${query(d, { site: [SITE, 'nope'], from: DAYS, to: DAYS, key: [options.apiKey, 'wrong'], metric: ['traffic'] })}`,
    webhooks: () => `/v1/webhooks/${segment(d, SITE)}/failed${query(d, { cursor: ['x'], limit: ['10'] })}`,
    rules: () => `/v1/rules/${segment(d, SITE)}`,
    versions: () =>
      `/v1/rules/${segment(d, SITE)}/versions/${segment(d, d.pick(['1', '0', '-1', '1e400', '99999999999999999999']))}`,
    openapi: () => '/v1/openapi.json',
    health: () => `/v1/health${query(d, { x: ['1'] })}`,
    snippet: () => `/nb.js${query(d, { v: ['1'] })}`,
    demo: () => `/demo/${segment(d, d.pick(['', 'index.html', 'rates.html']))}`,
  };
  return { kind: `GET /${route}`, method: 'GET', path: paths[route](), headers };
}

/** The routes with a JSON body, each with its valid body and a schema-valid hostile one. */
function bodyRoute(d: Dice, pool: unknown[], options: FuzzOptions, now: number): FuzzRequest {
  const victimBatch = () => validBatch(d, options.victim, now, VICTIM_TYPES);
  const hostileBody = (body: () => unknown) => () => ({ body: body(), what: 'hostile content' });
  const themed = () => d.pick(THEMES);
  const routes: Array<[string, string, boolean, () => Record<string, unknown>, () => { body: unknown; what: string }]> = [
    ['POST', '/v1/collect', false, victimBatch, () => themedBatch(d, now)],
    ['POST', '/v1/collect', false, victimBatch, () => themedBatch(d, now)],
    ['POST', '/v1/collect', false, victimBatch, () => themedBatch(d, now)],
    [
      'POST',
      '/v1/decide',
      false,
      () => ({ site: SITE, vid: options.victim, slots: ['hero'] }),
      hostileBody(() => ({ site: SITE, vid: validId(d), slots: [validName(d)] })),
    ],
    [
      'POST',
      '/v1/identify',
      true,
      () => ({ site: SITE, vid: POOL_VIDS(d), uid: POOL_UID(d) }),
      hostileBody(() => ({ site: SITE, vid: validId(d), uid: d.hex(64) })),
    ],
    [
      'POST',
      `/v1/events/${SITE}`,
      true,
      () => ({ events: [{ ...validEvent(d, now, ['track']), vid: POOL_VIDS(d), amount: 100, currency: 'USD' }] }),
      hostileBody(() => ({
        events: [{ ...themedEvent(d, now, themed()), uid: POOL_UID(d), amount: validNumber(d), currency: validText(d, 3) }],
      })),
    ],
    [
      'PUT',
      `/v1/spend/${SITE}`,
      true,
      () => ({ day: '2026-12-01', source: 'google', amount: 10 }),
      hostileBody(() => ({ day: d.pick(DAYS), source: validText(d, 64), amount: validNumber(d) })),
    ],
    [
      'POST',
      `/v1/rules/${SITE}/preview`,
      true,
      () => ({ vid: POOL_VIDS(d) }),
      hostileBody(() => ({ rules: withKey({}, '__proto__', { polluted: true }) })),
    ],
  ];
  const [method, path, keyed, valid, hostile] = d.pick(routes);
  const { body, what } = bodyFor(d, pool, valid, hostile);
  return { kind: `${method} ${path} ${what}`, method, path, headers: headersFor(d, options.apiKey, keyed), body };
}

/** Paths and methods no route expects, the odd URLs of issue #13 among them. */
function oddRequest(d: Dice, pool: unknown[], options: FuzzOptions): FuzzRequest {
  const method = d.pick(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD', 'PROPFIND']);
  const path = d.pick([
    '//a%20b',
    '/%2F%2F%5B',
    '//%25',
    '//:99999',
    '/%2F%2Fevil.example/rates',
    '/v1/collect/',
    '/V1/COLLECT',
    '/v1//collect',
    '/v1/collect?%=%',
    '/v1/collect;x',
    `/v1/profile/${SITE}/`,
    `/v1/profile/${SITE}/${options.victim}/extra`,
    '/v1/profile/%F0%9F%8F%A6/abcdefgh',
    `/v1/rules/${SITE}/rollback`,
    '/demo/%2e%2e/%2e%2e/wrangler.toml',
    '/demo/..%2F..%2Fpackage.json',
    `/${'x'.repeat(8000)}`,
    `/nb.js?${'q'.repeat(8000)}`,
    '/%00',
    '/%',
    '/%00',
    '/%F0%9F%8F%A6',
    '/demo/../../wrangler.toml',
    '/./v1/./health',
  ]);
  const { body, what } = d.chance(0.5) ? rawGarbage(d, pool) : { body: undefined, what: 'no body' };
  const hasBody = body !== undefined && method !== 'GET' && method !== 'HEAD';
  return {
    kind: `${method} odd path, ${hasBody ? what : 'no body'}`,
    method,
    path,
    headers: headersFor(d, options.apiKey, d.chance(0.5), hasBody ? undefined : null),
    ...(hasBody ? { body } : {}),
  };
}

/** CORS preflights, from listed, unlisted and broken origins. */
function preflightRequest(d: Dice): FuzzRequest {
  const origin = d.pick([
    'http://localhost:8787',
    'https://evil.example',
    'null',
    '',
    'http://localhost:8787/',
    'http://LOCALHOST:8787',
    '\u00ff\u00fe',
  ]);
  const headers: Record<string, string> = { origin, 'access-control-request-method': d.pick(['POST', 'DELETE', '']) };
  if (d.chance(0.5)) delete headers.origin;
  return { kind: 'OPTIONS preflight', method: 'OPTIONS', path: d.pick(['/v1/collect', '/v1/decide', '/v1/identify']), headers };
}

/** Erasures of keyed-pool visitors (never the victim), with hostile segments. */
function eraseRequest(d: Dice, options: FuzzOptions): FuzzRequest {
  return {
    kind: 'DELETE /v1/profile',
    method: 'DELETE',
    path: `/v1/profile/${segment(d, SITE)}/${d.chance(0.7) ? POOL_VIDS(d) : segment(d, 'fuzzkeyed-unknown')}`,
    headers: headersFor(d, options.apiKey, true, null),
  };
}

/**
 * The requests of one seeded run, made one at a time: the same seed and `now` give the same
 * requests. Weights: most go to the body routes, where validation reaches deepest.
 */
export function* fuzzRequests(count: number, options: FuzzOptions): Generator<FuzzRequest> {
  const d = dice(options.seed);
  const pool = anythingPool(options.seed);
  for (let i = 0; i < count; i++) {
    const roll = d.random();
    if (roll < 0.7) yield bodyRoute(d, pool, options, options.now);
    else if (roll < 0.85) yield keyedGet(d, options);
    else if (roll < 0.93) yield oddRequest(d, pool, options);
    else if (roll < 0.97) yield preflightRequest(d);
    else yield eraseRequest(d, options);
  }
}
