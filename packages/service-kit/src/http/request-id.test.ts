import { describe, expect, it } from '@jest/globals';
import { validate as isUuid, version as uuidVersion } from 'uuid';
import { newRequestId } from './request-id.ts';

describe('newRequestId', () => {
  it('gives distinct UUIDv7s carrying the current time, across refills of the random pool', () => {
    const before = Date.now();
    const ids = Array.from({ length: 1000 }, () => newRequestId()); // ~4 refills of 256
    const after = Date.now();
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) {
      expect(isUuid(id)).toBe(true);
      expect(uuidVersion(id)).toBe(7);
      const millis = Number.parseInt(id.replaceAll('-', '').slice(0, 12), 16);
      expect(millis).toBeGreaterThanOrEqual(before);
      expect(millis).toBeLessThanOrEqual(after);
    }
    // The random part differs between ids made in the same millisecond.
    const tails = new Set(ids.map((id) => id.slice(19)));
    expect(tails.size).toBe(ids.length);
  });
});
