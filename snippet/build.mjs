// Bundles the snippet: the tag every page loads (snippet/index.ts → one IIFE at dist/nb.js) and the
// ES modules it imports only when a page needs them (MODULES), minified by esbuild and then by
// terser (its two compress passes find about 75 B gzip that esbuild leaves). Prints raw, gzip and
// brotli sizes and the change since the last build, and fails when a file is above its gzip budget
// in package.json (nextbest.snippetBudgetGzip for the tag, nextbest.moduleBudgetGzip for each
// module). Optional features are esbuild defines (NB_*): `--no-forms` style flags strip them;
// `--features` prints what each one costs.
import { build } from 'esbuild';
import { minify } from 'terser';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const FLAGS = ['forms', 'banners', 'outbox', 'spa'];
const OUT = 'dist/nb.js';
/**
 * The banner renderer (a decision with a banner to show), the identifier hashing (an identify with
 * an e-mail or phone) and the IndexedDB outbox (events that wait to be sent again).
 */
const MODULES = {
  'dist/nb-banners.js': 'snippet/banners.ts',
  'dist/nb-identify.js': 'snippet/identifiers.ts',
  'dist/nb-outbox.js': 'snippet/outbox-store.ts',
};

/** The minified tag with the listed features (e.g. ['forms']) compiled out; or one of the MODULES. */
export async function bundle(off = [], entry = 'snippet/index.ts') {
  const define = Object.fromEntries(FLAGS.map((flag) => [`NB_${flag.toUpperCase()}`, String(!off.includes(flag))]));
  const module = entry != 'snippet/index.ts';
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    format: module ? 'esm' : 'iife',
    target: 'es2021',
    define,
    legalComments: 'none',
    // Strict mode buys nothing inside our own IIFE; the prologue is 13 bytes.
    tsconfigRaw: { compilerOptions: { alwaysStrict: false } },
    write: false,
    logLevel: 'warning',
  });
  // Top-level names are ours (everything is inside the IIFE); no unsafe transforms.
  const { code } = await minify(result.outputFiles[0].text, { ecma: 2021, module, toplevel: true, compress: { passes: 2 } });
  // The tag and the banner renderer run nearly every function they have as soon as they load. This
  // magic comment (V8's explicit compile hints, Chromium 136 and later; other engines read a
  // comment) has them compiled with the rest of the file, on the background thread that compiles an
  // async script or a module as it downloads, instead of one by one on the page's main thread at
  // their first call: measured (test/bench/snippet.mjs) about 1 ms less main-thread JavaScript on a
  // first visit, for about 21 B gzip each.
  return Buffer.from(EAGER.has(entry) ? `//# allFunctionsCalledOnLoad\n${code}` : code);
}

/** The files whose functions nearly all run when they load: compiled eagerly (above). */
const EAGER = new Set(['snippet/index.ts', 'snippet/banners.ts']);

export const gzip = (code) => gzipSync(code, { level: 9 }).length;
export const brotli = (code) => brotliCompressSync(code, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;

/** Writes `code` to `out`, prints its sizes against `budget`, and answers whether it fits. */
function write(out, code, budget) {
  if (/\beval\(|new Function\(/.test(Buffer.from(code).toString())) throw new Error('the snippet must not use eval');
  const before = existsSync(out) ? gzip(readFileSync(out)) : undefined;
  writeFileSync(out, code);
  const size = gzip(code);
  const change = before === undefined ? '' : ` (${size - before >= 0 ? '+' : ''}${size - before} since the last build)`;
  console.log(`${out}: ${code.length} B raw, ${size} B gzip${change}, ${brotli(code)} B brotli; budget ${budget} B gzip`);
  if (size > budget) console.error(`${out} is ${size - budget} B gzip over its budget`);
  return size <= budget;
}

async function main() {
  const { snippetBudgetGzip = 3000, moduleBudgetGzip = 1000 } = JSON.parse(readFileSync('package.json', 'utf8')).nextbest ?? {};
  const off = FLAGS.filter((flag) => process.argv.includes(`--no-${flag}`));
  mkdirSync('dist', { recursive: true });
  const tag = await bundle(off);
  const fit = [write(OUT, tag, snippetBudgetGzip)];
  let all = gzip(tag);
  for (const [out, entry] of Object.entries(MODULES)) {
    const code = await bundle([], entry);
    fit.push(write(out, code, moduleBudgetGzip));
    all += gzip(code);
  }
  console.log(`  a page that uses everything loads ${all} B gzip in all`);
  if (process.argv.includes('--features')) {
    const size = gzip(tag);
    for (const flag of FLAGS) console.log(`  ${flag}: ${size - gzip(await bundle([flag]))} B gzip in nb.js`);
    console.log(`  core without them: ${gzip(await bundle(FLAGS))} B gzip`);
  }
  if (fit.includes(false)) process.exit(1);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
