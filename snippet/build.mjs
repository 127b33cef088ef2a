// Bundles the snippet (snippet/index.ts) into one IIFE at dist/nb.js, minified by esbuild and then
// by terser (its two compress passes find about 75 B gzip that esbuild leaves), prints its raw,
// gzip and brotli sizes and the change since the last build, and fails above the gzip budget in
// package.json (nextbest.snippetBudgetGzip, 3000 if absent). Optional features are esbuild
// defines (NB_*): `--no-forms` style flags strip them; `--features` prints what each one costs.
import { build } from 'esbuild';
import { minify } from 'terser';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const FLAGS = ['forms', 'banners', 'outbox', 'spa'];
const OUT = 'dist/nb.js';

/** The minified bundle with the listed features (e.g. ['forms']) compiled out. */
export async function bundle(off = []) {
  const define = Object.fromEntries(FLAGS.map((flag) => [`NB_${flag.toUpperCase()}`, String(!off.includes(flag))]));
  const result = await build({
    entryPoints: ['snippet/index.ts'],
    bundle: true,
    minify: true,
    format: 'iife',
    target: 'es2021',
    define,
    legalComments: 'none',
    // Strict mode buys nothing inside our own IIFE; the prologue is 13 bytes.
    tsconfigRaw: { compilerOptions: { alwaysStrict: false } },
    write: false,
    logLevel: 'warning',
  });
  // Top-level names are ours (everything is inside the IIFE); no unsafe transforms.
  const { code } = await minify(result.outputFiles[0].text, { ecma: 2021, toplevel: true, compress: { passes: 2 } });
  return Buffer.from(code);
}

export const gzip = (code) => gzipSync(code, { level: 9 }).length;
export const brotli = (code) => brotliCompressSync(code, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;

async function main() {
  const budget = JSON.parse(readFileSync('package.json', 'utf8')).nextbest?.snippetBudgetGzip ?? 3000;
  const before = existsSync(OUT) ? gzip(readFileSync(OUT)) : undefined;
  const off = FLAGS.filter((flag) => process.argv.includes(`--no-${flag}`));
  const code = await bundle(off);
  if (/\beval\(|new Function\(/.test(Buffer.from(code).toString())) throw new Error('the snippet must not use eval');
  mkdirSync('dist', { recursive: true });
  writeFileSync(OUT, code);
  const size = gzip(code);
  const change = before === undefined ? '' : ` (${size - before >= 0 ? '+' : ''}${size - before} since the last build)`;
  console.log(`${OUT}: ${code.length} B raw, ${size} B gzip${change}, ${brotli(code)} B brotli; budget ${budget} B gzip`);
  if (process.argv.includes('--features')) {
    for (const flag of FLAGS) console.log(`  ${flag}: ${size - gzip(await bundle([flag]))} B gzip`);
    console.log(`  core without them: ${gzip(await bundle(FLAGS))} B gzip`);
  }
  if (size > budget) {
    console.error(`snippet is ${size - budget} B gzip over its budget`);
    process.exit(1);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
