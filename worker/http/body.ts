// Reads a JSON body within a byte cap. text/plain is accepted too, so sendBeacon needs no preflight.
import type { Context } from 'hono';
import { ApiError } from './errors';

export const MAX_BODY_BYTES = 64 * 1024;
const DRAIN_LIMIT_BYTES = 1024 * 1024;

export async function readJsonBody(c: Context, maxBytes = MAX_BODY_BYTES): Promise<unknown> {
  const type = (c.req.header('content-type') ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/json' && type !== 'text/plain') {
    throw new ApiError(415, 'unsupported_media_type', 'send application/json or text/plain');
  }
  const declared = Number(c.req.header('content-length') ?? 0);
  if (declared > DRAIN_LIMIT_BYTES) throw tooLarge(maxBytes);
  const text = await readCapped(c.req.raw, maxBytes);
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError(400, 'invalid_json', 'the body is not valid JSON');
  }
}

function tooLarge(maxBytes: number): ApiError {
  return new ApiError(413, 'payload_too_large', `the body is over ${maxBytes} bytes`);
}

// Content-Length may be absent or false (chunked uploads), so the cap is enforced while reading.
// A body a little over the cap is read to its end and dropped, so that the client's keep-alive
// connection stays usable for its next request; a much larger one is cut off at once.
async function readCapped(request: Request, maxBytes: number): Promise<string> {
  if (!request.body) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > DRAIN_LIMIT_BYTES) {
      await reader.cancel();
      throw tooLarge(maxBytes);
    }
    if (size <= maxBytes) chunks.push(value);
  }
  if (size > maxBytes) throw tooLarge(maxBytes);
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new ApiError(400, 'invalid_encoding', 'the body is not valid UTF-8');
  }
}
