// A visitor id costs nothing until it sends events: a decide for an id never seen answers as for a
// new visitor and leaves its object without storage, and every public route that reaches visitor
// objects (collect, decide, identify) counts toward the per-address limit of wrangler.toml.
import { describe, expect, it } from 'vitest';
import { env } from 'cloudflare:workers';
import { runInDurableObject } from 'cloudflare:test';
import { visitorStub } from '../../worker/visitor/stub';
import { addressKey } from '../../worker/http/ip-limit';
import type { DecideResponse } from '../../worker/schema/decide';
import { TEST_API_KEY } from './api-keys';
import { post, uniqueId } from './helpers';

/** What an object holds: its SQLite file's size and its tables. */
function storageOf(vid: string): Promise<{ size: number; tables: string[] }> {
  return runInDurableObject(visitorStub(env, 'demo', vid), (_instance, state) => ({
    size: state.storage.sql.databaseSize,
    tables: state.storage.sql
      .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'")
      .toArray()
      .map((row) => row.name),
  }));
}

describe('a visitor id never seen', () => {
  it('gets decisions as a new visitor, and its object stores nothing', async () => {
    const vid = uniqueId('vid');
    const response = await post('/v1/decide', { site: 'demo', vid, slots: ['hero'] });
    expect(response.status).toBe(200);
    const { decisions } = await response.json<DecideResponse>();
    expect(decisions).toMatchObject({ vid, stage: 'anonymous' });
    // The same as an object nothing ever asked: an empty database, no table.
    const untouched = await storageOf(uniqueId('vid'));
    expect(untouched.tables).toEqual([]);
    expect(await storageOf(vid)).toEqual(untouched);
  });

  it('counts decide and identify toward the per-address limit', async () => {
    const ip = '203.0.113.77';
    // The local limiter counts in fixed windows of its period (10 s in wrangler.toml) from the epoch,
    // and this address's key changes at UTC midnight: start in a window's first half, so the budget
    // spent below is still spent when the requests come.
    const windowMs = 10_000;
    if (Date.now() % windowMs > windowMs / 2) await new Promise((done) => setTimeout(done, windowMs - (Date.now() % windowMs)));
    // This address's budget for the window (600 in wrangler.toml), spent through the same binding.
    const key = await addressKey(env, ip, Date.now());
    while ((await env.IP_LIMITER!.limit({ key })).success);
    const decide = await post('/v1/decide', { site: 'demo', vid: uniqueId('vid'), slots: ['hero'] }, { 'cf-connecting-ip': ip });
    expect(decide.status).toBe(429);
    expect(decide.headers.get('Retry-After')).toBe('10');
    const identify = await post(
      '/v1/identify',
      { site: 'demo', vid: uniqueId('vid'), uid: 'a'.repeat(64) },
      { 'cf-connecting-ip': ip, authorization: `Bearer ${TEST_API_KEY}` },
    );
    expect(identify.status).toBe(429);
    // Another address is not held back.
    const other = await post(
      '/v1/decide',
      { site: 'demo', vid: uniqueId('vid'), slots: ['hero'] },
      { 'cf-connecting-ip': '203.0.113.78' },
    );
    expect(other.status).toBe(200);
  });
});
