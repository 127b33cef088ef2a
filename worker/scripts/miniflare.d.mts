import type { Miniflare } from 'miniflare';

export declare function startMiniflare(options?: {
  port?: number;
  persist?: string | false;
  bindings?: Record<string, string>;
  eventsBatchSeconds?: number;
}): Promise<{ url: string; mf: Miniflare; stop: () => Promise<void> }>;

export declare function bundleWorker(outdir?: string): string;
