import type { Miniflare } from 'miniflare';

export const USER_AGENT: string;
export function startFloorWorker(): Promise<{ url: string; mf: Miniflare; stop: () => Promise<void> }>;
