// Rollup tables key visitors by a per-site hash, never by the raw visitor id: the same visitor id
// on two sites gives unrelated keys, and erasure recomputes the key from (site, vid).
const encoder = new TextEncoder();

/** 32 hex digits (128 bits) of SHA-256 over "site\nvid". */
export async function visitorHash(site: string, vid: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(`${site}\n${vid}`)));
  let hex = '';
  for (let i = 0; i < 16; i++) hex += digest[i].toString(16).padStart(2, '0');
  return hex;
}
