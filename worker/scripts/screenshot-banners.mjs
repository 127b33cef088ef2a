#!/usr/bin/env node
// Saves pictures of the demo's banners from a running worker (`npm run dev`) with headless
// Chromium: docs/banners-placements.png, one demo page per placement (slot, top bar, slide-in,
// modal), and docs/banners-themes.png, the hero banner with the rules' theme and with the page's own
// --nb-accent and --nb-radius. Each picture shows a demo offer's real banner from rules/demo.json:
// the worker's answer is kept and only its offers are replaced, so the theme, the snippet and the
// renderer are the real ones and no visitor history is needed.
//
//   node worker/scripts/screenshot-banners.mjs [--url http://localhost:$PORT, default 8787]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { launchChromium } from './chromium.mjs';

const { values: args } = parseArgs({
  options: { url: { type: 'string', default: `http://localhost:${process.env.PORT || 8787}` } },
});
const base = args.url.replace(/\/+$/, '');
const rules = JSON.parse(readFileSync('rules/demo.json', 'utf8'));
const offer = (id, slot) => {
  const source = rules.offers.find((candidate) => candidate.id === id);
  if (!source) throw new Error(`rules/demo.json has no offer ${id}`);
  return { slot, offer: id, holdout: false, reasons: [], banner: source.banner };
};

const SHOTS = [
  { label: 'slot (home page hero)', page: 'index.html', offer: offer('finish-app', 'hero') },
  { label: 'top bar (after the header)', page: 'index.html', offer: offer('card-cross-sell', 'hero') },
  { label: 'slide-in (rates page)', page: 'rates.html', offer: offer('rate-drop', 'corner') },
  { label: 'modal (calculator)', page: 'calculator.html', offer: offer('jumbo-specialist', 'corner') },
];
const PERSON = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36';
const PAGE_THEME = ':root { --nb-accent: #b42318; --nb-radius: 2px; --nb-border: #b42318 }';

const browser = await launchChromium();
try {
  const shoot = async ({ page: path, offer: shown }, css) => {
    // A person's browser: a headless one's own user agent is filtered out as a bot, and gets no decision.
    const context = await browser.newContext({ viewport: { width: 1100, height: 700 }, userAgent: PERSON });
    // The consent banner of the demo is answered, so that it does not cover the offers.
    await context.addInitScript(() => localStorage.setItem('demo_consent_answered', '1'));
    await context.route(`${base}/v1/collect`, async (route) => {
      const response = await route.fetch();
      if (response.status() !== 200) return route.fulfill({ response });
      const json = await response.json();
      json.decisions.offers = [shown];
      return route.fulfill({ response, json });
    });
    const page = await context.newPage();
    await page.goto(`${base}/demo/${path}`);
    if (css) await page.addStyleTag({ content: css });
    await page.getByText(shown.banner.title).first().waitFor({ timeout: 20_000 });
    await page.waitForTimeout(300);
    const picture = await page.screenshot();
    await context.close();
    return picture.toString('base64');
  };
  const sheet = async (out, shots, columns) => {
    const page = await browser.newPage({ viewport: { width: 1100 * columns * 0.5 + 40, height: 400 } });
    const cells = shots
      .map(({ label, png }) => `<figure><img src="data:image/png;base64,${png}"><figcaption>${label}</figcaption></figure>`)
      .join('');
    await page.setContent(
      `<style>body{margin:0;padding:16px;font:15px system-ui;background:#f6f3ee;display:grid;grid-template-columns:repeat(${columns},1fr);gap:16px}
       figure{margin:0}img{width:100%;border:1px solid #dde3ea;display:block}figcaption{padding:6px 2px}</style>${cells}`,
    );
    await page.screenshot({ path: out, fullPage: true });
    await page.close();
    console.log(`Saved ${out}`);
  };
  const placements = [];
  for (const shot of SHOTS) placements.push({ label: shot.label, png: await shoot(shot) });
  await sheet('docs/banners-placements.png', placements, 2);
  await sheet(
    'docs/banners-themes.png',
    [
      { label: 'the rules\u2019 theme (accent #0e7c7b, radius 14px)', png: placements[0].png },
      { label: `the page\u2019s own CSS: ${PAGE_THEME}`, png: await shoot(SHOTS[0], PAGE_THEME) },
    ],
    2,
  );
} finally {
  await browser.close();
}
