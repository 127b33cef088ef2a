// The e-mail and phone normalisation of nb-identify.js (snippet/identifiers.ts), checked against
// the ad platforms' own worked examples: Meta's Conversions API "Customer information parameters"
// page gives an input, its normalised form and the SHA-256 it expects for each.
import { describe, expect, it } from 'vitest';
import { e164, hashed, normalEmail } from '../../../snippet/identifiers';

describe("the snippet's identifiers for ad platforms", () => {
  it("hashes Meta's documented examples to the digests Meta documents", async () => {
    // em: "John_Smith@gmail.com" → "john_smith@gmail.com"; ph: US "(650)555-1212" → "16505551212".
    expect(await hashed('John_Smith@gmail.com', '(650)555-1212', 'US')).toEqual({
      email_sha256: '62a14e44f765419d10fea99367361a727c12365e2520f32218d505ed9aa0f62f',
      // Google Customer Match hashes the E.164 form, "+16505551212".
      phone_sha256: '1e231c66011e7a2d867a9cfae267a6aff103cf4913640b6e71a99850fc0ffbc8',
      phone_digits_sha256: 'e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab3176',
    });
  });

  it.each([
    ['(650)555-1212', 'US', '+16505551212'],
    ['1 650 555 1212', 'US', '+16505551212'],
    ['+1 (650) 555-1212', undefined, '+16505551212'],
    ['07700 900123', 'GB', '+447700900123'],
    ['0044 7700 900123', 'DE', '+447700900123'],
    ['+44 (0)7700 900123', 'GB', '+447700900123'],
    ['030 1234567', 'DE', '+49301234567'],
    ['0412 345 678', 'AU', '+61412345678'],
    ['555-1212', 'US', undefined],
    ['(650)555-1212', undefined, undefined],
    ['(650)555-1212', 'us', undefined],
    ['06 1234 5678', 'IT', undefined],
    ['call me', 'US', undefined],
  ])('puts %s (country %s) in E.164 as %s', (phone, country, expected) => {
    expect(e164(phone, country)).toBe(expected);
  });

  it.each([
    ['  Jane.Doe@Example.COM ', 'jane.doe@example.com'],
    ['not an address', undefined],
    ['@example.com', undefined],
  ])('normalises the e-mail %j as %j', (email, expected) => {
    expect(normalEmail(email)).toBe(expected);
  });

  it('leaves out what does not parse, and never answers a value itself', async () => {
    expect(await hashed(undefined, 'call me', 'US')).toEqual({
      email_sha256: undefined,
      phone_sha256: undefined,
      phone_digits_sha256: undefined,
    });
  });
});
