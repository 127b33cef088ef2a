// First-party storage that never throws (private modes, blocked cookies), and random ids.

/** Reads `key`, or writes `value` to it; null when storage is unavailable. */
export function store(key: string, value?: string): string | null | void {
  try {
    return value == null ? localStorage.getItem(key) : localStorage.setItem(key, value);
  } catch {
    return null;
  }
}

export function readJson<T>(key: string, fallback: T): T {
  try {
    return JSON.parse(store(key)!) || fallback;
  } catch {
    return fallback;
  }
}

/** 20 random base-32 characters (100 bits); matches the wire's [A-Za-z0-9_-]{8,64}. */
export const uid = (): string => Array.from(crypto.getRandomValues(new Uint8Array(20)), (b) => (b & 31).toString(32)).join('');
