// Rollup tables key visitors by a per-site hash, never by the raw visitor id: the same visitor id
// on two sites gives unrelated keys, and erasure recomputes the key from (site, vid).
import { sha256Hex } from '../lib/hex';

/** 32 hex digits (128 bits) of SHA-256 over "site\nvid". */
export const visitorHash = (site: string, vid: string): Promise<string> => sha256Hex(`${site}\n${vid}`, 16);
