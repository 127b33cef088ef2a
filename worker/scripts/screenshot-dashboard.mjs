#!/usr/bin/env node
// Saves a screenshot of a running worker's dashboard (docs/dashboard.png, shown in the README) with
// headless Chromium. Fill the dashboard first with `npm run demo:traffic`, whose visitors span the
// last 14 days: the picture shows those days (--days), not the dashboard's default 30.
//
//   node worker/scripts/screenshot-dashboard.mjs --key <API key> [--url http://localhost:$PORT, default 8787]
//                                                [--out docs/dashboard.png] [--site demo] [--days 14]
// The key may also come from the NB_API_KEY environment variable.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { launchChromium } from './chromium.mjs';

const { values: args } = parseArgs({
  options: {
    url: { type: 'string', default: `http://localhost:${process.env.PORT || 8787}` },
    key: { type: 'string', default: process.env.NB_API_KEY },
    out: { type: 'string', default: 'docs/dashboard.png' },
    site: { type: 'string', default: 'demo' },
    days: { type: 'string', default: '14' },
  },
});
if (!args.key) {
  console.error('Pass the API key with --key (or NB_API_KEY): it is NB_API_KEY in .dev.vars.');
  process.exit(1);
}

const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 }, deviceScaleFactor: 1 });
  const errors = [];
  page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
  const day = (ms) => new Date(ms).toISOString().slice(0, 10);
  const range = `from=${day(Date.now() - (Math.max(1, Number(args.days)) - 1) * 86_400_000)}&to=${day(Date.now())}`;
  const url = `${args.url.replace(/\/+$/, '')}/dashboard?site=${encodeURIComponent(args.site)}&${range}&key=${encodeURIComponent(args.key)}`;
  const response = await page.goto(url);
  if (!response?.ok()) throw new Error(`the dashboard answered ${response?.status()}: is the key right?`);
  mkdirSync(dirname(args.out), { recursive: true });
  await page.screenshot({ path: args.out, fullPage: true });
  if (errors.length) console.warn(`console errors on the page:\n${errors.join('\n')}`);
  console.log(`Saved ${args.out}`);
} finally {
  await browser.close();
}
