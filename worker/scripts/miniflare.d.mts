import type { Miniflare } from 'miniflare';

export declare function startMiniflare(options?: {
  port?: number;
  persist?: string | false;
  bindings?: Record<string, string>;
  eventsBatchSeconds?: number;
  script?: string;
  durableObjects?: Record<string, string | { className: string; useSQLite?: boolean }>;
  migrate?: boolean;
}): Promise<{ url: string; mf: Miniflare; stop: () => Promise<void> }>;

export declare function bundleWorker(outdir?: string, script?: string): string;
