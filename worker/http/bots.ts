// Bots are counted, not profiled: crawler user agents (the isbot list) plus automation markers
// that isbot leaves to the caller.
import { isbot } from 'isbot';

const AUTOMATION = /headless|phantomjs|puppeteer|playwright|selenium|webdriver|lighthouse/i;

export function isBotRequest(userAgent: string | undefined): boolean {
  if (!userAgent) return true;
  return isbot(userAgent) || AUTOMATION.test(userAgent);
}

/**
 * A QA team's headless browser: a batch sent with data-nb-debug="true" from one of the site's
 * `test_origins`. It is let through the bot filter for that site only, so automated QA sees
 * decisions instead of silence; any other origin, or no debug flag, is filtered as usual.
 */
export function isQaBrowser(
  origin: string | undefined,
  debug: boolean | undefined,
  testOrigins: readonly string[] = [],
): boolean {
  return debug === true && origin !== undefined && testOrigins.some((allowed) => new URL(allowed).origin === origin);
}
