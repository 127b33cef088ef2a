// Lowercase hex of digests and MACs, as the ids, hashes and signatures on the wire are written.
const encoder = new TextEncoder();

export function toHex(bytes: ArrayBuffer | Uint8Array, length = bytes.byteLength): string {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let hex = '';
  for (let i = 0; i < length; i++) hex += view[i].toString(16).padStart(2, '0');
  return hex;
}

/** Hex SHA-256 of a text, cut to `bytes` bytes when given. */
export async function sha256Hex(text: string, bytes?: number): Promise<string> {
  return toHex(await crypto.subtle.digest('SHA-256', encoder.encode(text)), bytes);
}

/** Hex HMAC-SHA256 of a text under a secret. */
export async function hmacSha256Hex(secret: string, text: string): Promise<string> {
  const key = await crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return toHex(await crypto.subtle.sign('HMAC', key, encoder.encode(text)));
}
