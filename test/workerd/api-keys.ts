// API keys and identity secrets the Workers-runtime tests configure (vitest.config.ts) and use.
export const TEST_API_KEY = 'test-key-for-workers-runtime';
export const ROTATED_API_KEY = 'second-key-for-rotation';
/** NB_IDENTITY_SECRETS for the tests: the demo site's, and another site's to sign with wrongly. */
export const IDENTITY_SECRETS = {
  demo: 'demo-identity-secret-for-the-workers-runtime-tests',
  acme: 'acme-identity-secret-for-the-workers-runtime-tests',
};
