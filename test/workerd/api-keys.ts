// API keys the Workers-runtime tests configure (vitest.config.ts) and present (helpers.ts).
export const TEST_API_KEY = 'test-key-for-workers-runtime';
export const ROTATED_API_KEY = 'second-key-for-rotation';
/** Read-only keys (NB_DASHBOARD_KEYS): one of the demo site, one of a site without a rules file. */
export const DEMO_READ_KEY = 'read-only-key-of-demo';
export const OTHER_READ_KEY = 'read-only-key-of-acme';
