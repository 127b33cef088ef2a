import type { Miniflare } from 'miniflare';

export const USER_AGENT: string;
export const EVENTS_PER_BATCH: number;
export function collectBody(vid: string): string;
export function decideBody(vid: string): string;
export function startFloorWorker(options?: {
  minify?: boolean;
  inspectorPort?: number;
}): Promise<{ url: string; mf: Miniflare; stop: () => Promise<void> }>;
