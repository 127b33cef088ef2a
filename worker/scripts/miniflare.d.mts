import type { Log, Miniflare } from 'miniflare';
import type { Readable } from 'node:stream';

export declare function startMiniflare(options?: {
  port?: number;
  persist?: string | false;
  bindings?: Record<string, string>;
  eventsBatchSeconds?: number;
  script?: string;
  durableObjects?: Record<string, string | { className: string; useSQLite?: boolean }>;
  migrate?: boolean;
  log?: Log;
  handleRuntimeStdio?: (stdout: Readable, stderr: Readable) => void;
  inspectorPort?: number;
}): Promise<{ url: string; mf: Miniflare; stop: () => Promise<void> }>;

export declare function bundleWorker(outdir?: string, script?: string, options?: { minify?: boolean }): string;
