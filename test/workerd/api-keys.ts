// API keys and identity secrets the Workers-runtime tests configure (vitest.config.ts) and use.
export const TEST_API_KEY = 'test-key-for-workers-runtime';
export const ROTATED_API_KEY = 'second-key-for-rotation';
/** Read-only keys (NB_DASHBOARD_KEYS): one of the demo site, one of a site without a rules file. */
export const DEMO_READ_KEY = 'read-only-key-of-demo';
export const OTHER_READ_KEY = 'read-only-key-of-acme';
/** NB_IDENTITY_SECRETS for the tests: the demo site's, and another site's to sign with wrongly. */
export const IDENTITY_SECRETS = {
  demo: 'demo-identity-secret-for-the-workers-runtime-tests',
  acme: 'acme-identity-secret-for-the-workers-runtime-tests',
};
