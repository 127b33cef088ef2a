// Types of `env` inside the Workers-runtime tests: the worker's (worker/env.ts) plus the test-only
// binding that vitest.config.ts injects.
import type { D1Migration } from 'cloudflare:test';
import type {} from '../../worker/env';

declare global {
  namespace Cloudflare {
    interface Env {
      TEST_MIGRATIONS: D1Migration[];
    }
  }
}
