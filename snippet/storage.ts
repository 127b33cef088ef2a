// First-party storage that never throws (private modes, blocked cookies), and random ids.
export function read(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

export function write(key: string, value: string): void {
  try {
    localStorage.setItem(key, value);
  } catch {
    // storage full or blocked: the caller keeps working from memory
  }
}

export function readJson<T>(key: string, fallback: T): T {
  try {
    return JSON.parse(read(key)!) || fallback;
  } catch {
    return fallback;
  }
}

/** 20 random base-32 characters (100 bits); matches the wire's [A-Za-z0-9_-]{8,64}. */
export function uid(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(20)), (b) => (b & 31).toString(32)).join('');
}
