// First-party storage that never throws (private modes, blocked cookies), hex, random ids.

/** Reads `key`, or writes `value` (never empty: JSON or ids) to it; nothing when storage is unavailable. */
export function store(key: string, value?: string): string | null | void {
  try {
    return value ? localStorage.setItem(key, value) : localStorage.getItem(key);
  } catch {
    // blocked, full or missing: the caller keeps working from memory
  }
}

export function readJson<T>(key: string, fallback: T): T {
  try {
    return JSON.parse(store(key)!) || fallback;
  } catch {
    return fallback;
  }
}

export const hex = (bytes: ArrayBuffer | Uint8Array): string =>
  Array.from(new Uint8Array(bytes as ArrayBuffer), (b) => (b + 256).toString(16).slice(1)).join('');

/** 32 random hex digits (128 bits); matches the wire's [A-Za-z0-9_-]{8,64}. */
export const uid = (): string => hex(crypto.getRandomValues(new Uint8Array(16)));
