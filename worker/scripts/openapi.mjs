// `npm run openapi`: writes the OpenAPI document built from the app's routes (worker/openapi/document.ts)
// to dist/openapi.json, which the worker serves at /v1/openapi.json. The app is bundled for Node with
// the Workers runtime module stubbed: building the document only reads route declarations.
import { build } from 'esbuild';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const workersStub = {
  name: 'cloudflare-workers-stub',
  setup(b) {
    b.onResolve({ filter: /^cloudflare:workers$/ }, () => ({ path: 'cloudflare:workers', namespace: 'stub' }));
    b.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({ contents: 'export class DurableObject {}', loader: 'js' }));
  },
};

/** The document module (buildDocument, operationsOf) and the app, loaded in Node. */
export async function loadDocumentModule() {
  const outfile = resolve('.cache/openapi-document.mjs');
  await build({
    entryPoints: ['worker/openapi/document.ts'],
    bundle: true,
    format: 'esm',
    platform: 'node',
    outfile,
    plugins: [workersStub],
    logLevel: 'warning',
  });
  return import(`${pathToFileURL(outfile).href}?t=${Date.now()}`);
}

export async function writeDocument(out = 'dist/openapi.json') {
  const { buildDocument } = await loadDocumentModule();
  const { version } = JSON.parse(readFileSync('package.json', 'utf8'));
  const document = await buildDocument(version);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(document, null, 2)}\n`);
  return document;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await writeDocument(process.argv[2]);
