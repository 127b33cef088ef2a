// Receives a Nextbest audience webhook: checks the signature over the raw body and the timestamp,
// then acts on each delivery_id once. Web Crypto only, so Node 20+, Deno, Bun and Workers run it as is.
const encoder = new TextEncoder();
/** How far X-Nextbest-Timestamp may be from your clock: a captured delivery cannot be sent again later. */
const TOLERANCE_MS = 5 * 60 * 1000;

/** The hex digests of X-Nextbest-Signature: `sha256=<hex>`, several (`, `) while a secret is rotated. */
const digestsOf = (header) =>
  (header ?? '')
    .split(',')
    .map((value) => value.trim())
    .filter((value) => /^sha256=[0-9a-f]{64}$/.test(value))
    .map((value) => Uint8Array.from(value.slice(7).match(/../g), (byte) => parseInt(byte, 16)));

/**
 * The payload of an authentic, fresh delivery, or null. `headers` is a Headers or Node's
 * `req.headers`; `body` is the raw text exactly as received (parse it only after this).
 */
export async function verifyDelivery(secret, headers, body, now = Date.now()) {
  const header = (name) => (typeof headers.get === 'function' ? headers.get(name) : headers[name]);
  const timestamp = header('x-nextbest-timestamp') ?? '';
  if (!/^\d{1,16}$/.test(timestamp) || Math.abs(now - Number(timestamp)) > TOLERANCE_MS) return null;
  const key = await crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
  const signed = encoder.encode(`${timestamp}.${body}`);
  for (const digest of digestsOf(header('x-nextbest-signature'))) {
    // verify() compares in constant time.
    if (await crypto.subtle.verify('HMAC', key, digest, signed)) return JSON.parse(body);
  }
  return null;
}

/**
 * Handles one request and answers its status: 401 unless it verifies; 200 for a delivery_id already
 * applied (a retry or a replay); else `apply(payload)`, then the id is remembered, and 204. Should
 * `apply` throw, nothing is remembered and Nextbest sends it again. `seen` is your store of applied
 * ids (a table with a unique key; a Set in a test), kept as long as you may replay failed deliveries.
 */
export async function receive(secret, headers, body, { seen, apply, now = Date.now() }) {
  const payload = await verifyDelivery(secret, headers, body, now);
  if (!payload) return 401;
  if (await seen.has(payload.delivery_id)) return 200;
  await apply(payload);
  await seen.add(payload.delivery_id);
  return 204;
}
