// Debian's headless Chromium as every script and test here launches it. The machine has no
// network: without these flags Chromium keeps dialling Google's services.
import { chromium } from 'playwright-core';

/** @param {string[]} [extraArgs] more command-line switches, e.g. a user agent */
export function launchChromium(extraArgs = []) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
      ...extraArgs,
    ],
  });
}
