// API keys the Workers-runtime tests configure (vitest.config.ts) and present (helpers.ts).
export const TEST_API_KEY = 'test-key-for-workers-runtime';
export const ROTATED_API_KEY = 'second-key-for-rotation';
