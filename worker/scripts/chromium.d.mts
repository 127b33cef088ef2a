import type { Browser } from 'playwright-core';
export declare function launchChromium(extraArgs?: string[]): Promise<Browser>;
