// Three test tiers: pure units in Node, the worker inside workerd (the Workers vitest integration,
// reading the same wrangler.toml), and real Chromium against the real worker.
import { defineConfig } from 'vitest/config';
import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-pool-workers';
import { DEMO_READ_KEY, IDENTITY_SECRETS, OTHER_READ_KEY, ROTATED_API_KEY, TEST_API_KEY } from './test/workerd/api-keys.ts';

export default defineConfig({
  test: {
    projects: [
      // Time limits are generous: CI machines are small and run the projects side by side, and the
      // property tests make thousands of runs. They guard against hangs, not slowness.
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'], environment: 'node', testTimeout: 30_000 } },
      {
        plugins: [
          cloudflareTest(async () => ({
            wrangler: { configPath: './wrangler.toml' },
            miniflare: {
              bindings: {
                NB_API_KEY: `${TEST_API_KEY}, ${ROTATED_API_KEY}`,
                NB_DASHBOARD_KEYS: `demo:${DEMO_READ_KEY}, acme:${OTHER_READ_KEY}`,
                NB_DEMO: 'on',
                NB_IDENTITY_SECRETS: JSON.stringify(IDENTITY_SECRETS),
                TEST_MIGRATIONS: await readD1Migrations('./worker/analytics/migrations'),
              },
            },
          })),
        ],
        test: {
          name: 'workers',
          include: ['test/workerd/**/*.test.ts'],
          setupFiles: ['test/workerd/setup.ts'],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'system',
          include: ['test/system/**/*.test.ts'],
          environment: 'node',
          testTimeout: 180_000,
          hookTimeout: 60_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // One worker and one Chromium at a time: the machine has two cores.
          fileParallelism: false,
        },
      },
    ],
  },
});
