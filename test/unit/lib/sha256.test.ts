import { describe, expect, it } from 'vitest';
import { sha256HexSync } from '../../../worker/lib/sha256';
import { sha256Hex } from '../../../worker/lib/hex';

describe('sha256HexSync', () => {
  // FIPS 180-4 examples (NIST CSRC "Example Algorithms"), and the padding edges around one block.
  it.each([
    ['', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
    ['abc', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
    [
      'abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq',
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    ],
  ])('hashes %j as NIST says', (text, digest) => {
    expect(sha256HexSync(text)).toBe(digest);
  });

  it('agrees with WebCrypto on every length around the block boundaries and on non-ASCII text', async () => {
    for (const length of [1, 54, 55, 56, 57, 63, 64, 65, 119, 120, 128, 300]) {
      const text = 'ü'.repeat(length % 3) + 'x'.repeat(length);
      expect(sha256HexSync(text)).toBe(await sha256Hex(text));
    }
  });
});
