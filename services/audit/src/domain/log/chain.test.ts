import { createHash } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { type ChainedRecord, chainHash, findChainBreak, GENESIS_HASH, type StoredRecord } from './chain.ts';
import { newDataKey, open, seal, unwrapDataKey, wrapDataKey } from './sealing.ts';

const base = (seq: number): ChainedRecord => ({
  seq: String(seq),
  id: `0193a5e2-7c1f-7b3e-9d4a-${String(seq).padStart(12, '0')}`,
  event_id: `0193a5e2-7c1f-7b3e-8d4a-${String(seq).padStart(12, '0')}`,
  type: 'identity.login.succeeded',
  occurred_at: '2026-11-28T17:02:11.123Z',
  source: 'identity',
  actor_type: 'user',
  actor_id: 'u1',
  subject: 'user/u1',
  user_id: null,
  outcome: 'success',
  data: { b: 1, a: [true, null, 'é'] },
  sealed: null,
});

function chain(n: number): StoredRecord[] {
  const records: StoredRecord[] = [];
  let prev = GENESIS_HASH;
  for (let i = 1; i <= n; i += 1) {
    const record = base(i);
    const hash = chainHash(prev, record);
    records.push({ ...record, prev_hash: prev, hash });
    prev = hash;
  }
  return records;
}

describe('hash chain', () => {
  it('is SHA-256 over prev_hash and the RFC 8785 canonical JSON, independent of key order', () => {
    const record = base(1);
    const canonical =
      '{"actor_id":"u1","actor_type":"user","data":{"a":[true,null,"é"],"b":1},"event_id":"0193a5e2-7c1f-7b3e-8d4a-000000000001",' +
      '"id":"0193a5e2-7c1f-7b3e-9d4a-000000000001","occurred_at":"2026-11-28T17:02:11.123Z","outcome":"success","sealed":null,' +
      '"seq":"1","source":"identity","subject":"user/u1","type":"identity.login.succeeded","user_id":null}';
    const expected = createHash('sha256')
      .update(GENESIS_HASH + canonical)
      .digest('hex');
    expect(chainHash(GENESIS_HASH, record)).toBe(expected);
    const reordered = Object.fromEntries(Object.entries(record).reverse()) as unknown as ChainedRecord;
    expect(chainHash(GENESIS_HASH, reordered)).toBe(expected);
  });

  it('an intact chain has no break', () => {
    expect(findChainBreak(chain(5), null)).toBeNull();
    const records = chain(5);
    const [first, ...rest] = records;
    expect(
      findChainBreak(rest, first === undefined ? null : { seq: first.seq, hash: first.hash }),
    ).toBeNull();
  });

  it('hashes only the chained fields (a stored row carries recorded_at and more)', () => {
    const rows = chain(3).map((r) => ({ ...r, recorded_at: '2026-11-28T17:02:12.000Z' }));
    expect(findChainBreak(rows, null)).toBeNull();
  });

  it('finds a changed field in a record', () => {
    const records = chain(5);
    const tampered = records.map((r) => (r.seq === '3' ? { ...r, outcome: 'failure' } : r));
    expect(findChainBreak(tampered, null)).toMatchObject({ seq: '3', reason: 'hash_mismatch' });
  });

  it('finds a record whose hash was recomputed after tampering (the next link breaks)', () => {
    const records = chain(5);
    const tampered = records.map((r) => {
      if (r.seq !== '3') return r;
      const changed = { ...r, data: { b: 2 } };
      const { prev_hash: _p, hash: _h, ...content } = changed;
      return { ...changed, hash: chainHash(r.prev_hash, content) };
    });
    expect(findChainBreak(tampered, null)).toMatchObject({ seq: '4', reason: 'prev_hash_mismatch' });
  });

  it('finds a removed record and a swapped order', () => {
    const records = chain(5);
    expect(
      findChainBreak(
        records.filter((r) => r.seq !== '2'),
        null,
      ),
    ).toMatchObject({
      seq: '3',
      reason: 'sequence_gap',
    });
    const swapped = [records[0], records[2], records[1], records[3]].filter((r) => r !== undefined);
    expect(findChainBreak(swapped, null)).toMatchObject({ seq: '3', reason: 'sequence_gap' });
  });

  it('a chain that starts anywhere but genesis needs the previous record', () => {
    const records = chain(3).slice(1);
    expect(findChainBreak(records, null)).toMatchObject({ seq: '2', reason: 'prev_hash_mismatch' });
  });
});

describe('sealing personal data', () => {
  it('opens with the same key and record binding only', () => {
    const key = newDataKey();
    const sealed = seal(key, Buffer.from('{"email":"ada@example.com"}'), 'event-1');
    expect(sealed).not.toContain('ada');
    expect(open(key, sealed, 'event-1').toString()).toBe('{"email":"ada@example.com"}');
    expect(() => open(key, sealed, 'event-2')).toThrow();
    expect(() => open(newDataKey(), sealed, 'event-1')).toThrow();
    const flipped = Buffer.from(sealed, 'base64url');
    flipped[flipped.length - 1] = (flipped[flipped.length - 1] ?? 0) ^ 1;
    expect(() => open(key, flipped.toString('base64url'), 'event-1')).toThrow();
  });

  it('wraps data keys under the key-encryption key, bound to their user', () => {
    const kek = newDataKey();
    const dataKey = newDataKey();
    const wrapped = wrapDataKey(kek, dataKey, 'user-1');
    expect(unwrapDataKey(kek, wrapped, 'user-1').equals(dataKey)).toBe(true);
    expect(() => unwrapDataKey(kek, wrapped, 'user-2')).toThrow();
    expect(() => unwrapDataKey(newDataKey(), wrapped, 'user-1')).toThrow();
  });
});
