// Sends generated requests (fuzz-requests.ts) to a running worker a few at a time and tallies the
// answers by status; server errors and failed connections are kept, a few of each kind, with the
// request that caused them, so that a fix can start from the report.
import { request as httpRequest, type ClientRequest } from 'node:http';
import type { FuzzRequest } from './fuzz-requests';

export interface FuzzAnswer {
  request: FuzzRequest;
  /** The HTTP status, or `error: <code>` when no answer came. */
  status: number | string;
  text: string;
}

export interface FuzzReport {
  sent: number;
  seconds: number;
  /** Answers by status (`200`, `413`, `error: ECONNRESET`…). */
  statuses: Map<string, number>;
  /** 5xx answers and failed connections by status and request kind, each with its first few answers. */
  failures: Map<string, { count: number; samples: FuzzAnswer[] }>;
}

export interface FuzzRunOptions {
  url: string;
  requests: Iterator<FuzzRequest>;
  concurrency: number;
  /** Start no request after this many seconds. */
  maxSeconds?: number;
  requestTimeoutMs?: number;
  onAnswer?: (answer: FuzzAnswer) => void;
}

const SAMPLES_PER_KIND = 3;

/** The worker stops reading a body past 1 MiB and closes the connection: the client may see a reset. */
const CUT_OFF_BYTES = 1024 * 1024;
const CUT_OFF = 'cut off (body over 1 MiB)';

export const isFailure = (status: number | string) => status !== CUT_OFF && (typeof status === 'string' || status >= 500);

/**
 * One request on its own connection, through node:http rather than fetch: the path goes out as
 * written (`/demo/../x` is not resolved away), and an answer to a body the worker stopped reading
 * cannot break the next request's reused connection.
 */
function send(origin: string, request: FuzzRequest, timeoutMs: number): Promise<FuzzAnswer> {
  return new Promise((resolve) => {
    const body =
      request.body === undefined ? undefined : typeof request.body === 'string' ? Buffer.from(request.body) : request.body;
    const fail = (error: Error & { code?: string }) => {
      const cutOff = (body?.byteLength ?? 0) > CUT_OFF_BYTES && (error.code === 'ECONNRESET' || error.code === 'EPIPE');
      resolve({ request, status: cutOff ? CUT_OFF : `error: ${error.code ?? error.name}`, text: error.message });
    };
    let outgoing: ClientRequest;
    try {
      outgoing = httpRequest(origin + '/', {
        method: request.method,
        path: request.path,
        headers: body ? { ...request.headers, 'content-length': body.byteLength } : request.headers,
        agent: false,
        timeout: timeoutMs,
      });
    } catch (error) {
      // A path or header node:http refuses to send (a space, a control character) is no answer.
      return fail(error as Error);
    }
    outgoing.on('timeout', () => outgoing.destroy(Object.assign(new Error(`no answer in ${timeoutMs} ms`), { code: 'TIMEOUT' })));
    outgoing.on('error', fail);
    outgoing.on('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', fail);
      response.on('end', () => resolve({ request, status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
    });
    outgoing.end(body);
  });
}

export async function runFuzz(options: FuzzRunOptions): Promise<FuzzReport> {
  const started = performance.now();
  const deadline = started + (options.maxSeconds ?? Infinity) * 1000;
  const report: FuzzReport = { sent: 0, seconds: 0, statuses: new Map(), failures: new Map() };
  const tally = (answer: FuzzAnswer) => {
    const status = String(answer.status);
    report.statuses.set(status, (report.statuses.get(status) ?? 0) + 1);
    if (isFailure(answer.status)) {
      const key = `${status} ${answer.request.kind}`;
      const failure = report.failures.get(key) ?? { count: 0, samples: [] };
      failure.count++;
      if (failure.samples.length < SAMPLES_PER_KIND) failure.samples.push(answer);
      report.failures.set(key, failure);
    }
  };
  const worker = async () => {
    for (;;) {
      if (performance.now() > deadline) return;
      const next = options.requests.next();
      if (next.done) return;
      report.sent++;
      const answer = await send(options.url, next.value, options.requestTimeoutMs ?? 30_000);
      tally(answer);
      options.onAnswer?.(answer);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  report.seconds = (performance.now() - started) / 1000;
  return report;
}

const preview = (body: FuzzRequest['body'], max: number): string => {
  if (body === undefined) return '(no body)';
  const text = typeof body === 'string' ? body : `(bytes) ${new TextDecoder().decode(body)}`;
  return JSON.stringify(text.length > max ? `${text.slice(0, max)}… (${text.length} characters)` : text);
};

/** `status: count` lines, most frequent first. */
export function statusLines(report: FuzzReport): string[] {
  return [...report.statuses].sort((a, b) => b[1] - a[1]).map(([status, count]) => `${status}: ${count}`);
}

/** Each kind of failure with its count, and for each sample the request and the answer's first line. */
export function failureLines(report: FuzzReport, bodyChars = 300): string[] {
  return [...report.failures].flatMap(([key, { count, samples }]) => [
    `${key}: ${count}`,
    ...samples.map(
      ({ request, text }) =>
        `  ${request.method} ${request.path.slice(0, 200)} content-type=${request.headers['content-type'] ?? '(none)'} body=${preview(request.body, bodyChars)}\n    → ${text.split('\n')[0].slice(0, 300)}`,
    ),
  ]);
}
