// Bots are counted, not profiled: crawler user agents (the isbot list) plus automation markers
// that isbot leaves to the caller.
import { isbot } from 'isbot';

const AUTOMATION = /headless|phantomjs|puppeteer|playwright|selenium|webdriver|lighthouse/i;

export function isBotRequest(userAgent: string | undefined): boolean {
  if (!userAgent) return true;
  return isbot(userAgent) || AUTOMATION.test(userAgent);
}
