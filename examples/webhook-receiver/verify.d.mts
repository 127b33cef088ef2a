// Types of verify.mjs, for the tests that run it.
type Headers = { get(name: string): string | null } | Record<string, string | string[] | undefined>;
export function verifyDelivery(secret: string, headers: Headers, body: string, now?: number): Promise<any>;
export function receive(
  secret: string,
  headers: Headers,
  body: string,
  options: { seen: { has(id: string): unknown; add(id: string): unknown }; apply(payload: any): unknown; now?: number },
): Promise<200 | 204 | 401>;
