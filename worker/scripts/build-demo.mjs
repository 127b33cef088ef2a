// Builds the demo lender site into dist/demo: every page gets the shared header and footer from
// worker/demo/partials in place of its `<!-- nb:header -->` and `<!-- nb:footer -->` markers, with
// the page's own main-menu link marked as current. Other files are copied as they are, and the
// demo's rules (rules/demo.json) as rules.json: the worker reads them there where the demo is on
// (worker/rules/live.ts), so that a deploy does not bundle them.
import { cpSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const SOURCE = 'worker/demo';
const OUT = 'dist/demo';
const partial = (name) => readFileSync(join(SOURCE, 'partials', `${name}.html`), 'utf8').trimEnd();

/** The header with `page`'s main-menu link (a list item, unlike the logo's) marked as current. */
function headerFor(page) {
  const link = `<li><a href="./${page}"`;
  const cta = `<li><a class="nav-cta" href="./${page}"`;
  return partial('header').replace(link, `${link} aria-current="page"`).replace(cta, `${cta} aria-current="page"`);
}

rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });
for (const file of readdirSync(SOURCE, { withFileTypes: true })) {
  if (file.isDirectory()) continue;
  const from = join(SOURCE, file.name);
  if (!file.name.endsWith('.html')) {
    cpSync(from, join(OUT, file.name));
    continue;
  }
  const page = readFileSync(from, 'utf8');
  for (const marker of ['<!-- nb:header -->', '<!-- nb:footer -->']) {
    if (!page.includes(marker)) throw new Error(`${from}: the ${marker} marker is missing`);
  }
  writeFileSync(
    join(OUT, file.name),
    page.replace('<!-- nb:header -->', () => headerFor(file.name)).replace('<!-- nb:footer -->', () => partial('footer')),
  );
}
cpSync('rules/demo.json', join(OUT, 'rules.json'));
