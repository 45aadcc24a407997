import { describe, expect, it } from '@jest/globals';
import { backoffDelay } from './backoff.ts';
import { eventTopic, MAX_MESSAGE_BYTES, messageBytes } from './enqueue.ts';
import { OutboxError } from './errors.ts';
import { type ClaimedRow, chunk, isDestinationError, MAX_BATCH_ENTRIES } from './publisher.ts';

const row = (n: number, bodyBytes: number): ClaimedRow => ({
  id: `id-${n}`,
  kind: 'event',
  destination: 'identity-events',
  type: 'identity.user.updated',
  traceparent: null,
  body: 'x'.repeat(bodyBytes),
  attempts: 1,
});

describe('chunk', () => {
  it('splits rows into calls of at most 10 entries, in order', () => {
    const rows = Array.from({ length: 23 }, (_, i) => row(i, 100));
    const chunks = chunk(rows);
    expect(chunks.map((c) => c.length)).toEqual([10, 10, 3]);
    expect(chunks.flat()).toEqual(rows);
    expect(MAX_BATCH_ENTRIES).toBe(10);
  });

  it('keeps each call within 256 KiB of bodies and attributes together', () => {
    const rows = Array.from({ length: 7 }, (_, i) => row(i, 100_000));
    const chunks = chunk(rows);
    expect(chunks.map((c) => c.length)).toEqual([2, 2, 2, 1]);
    for (const c of chunks) {
      const bytes = c.reduce((sum, r) => sum + messageBytes(r.body, r.type, r.traceparent), 0);
      expect(bytes).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
    }
    // A message of the maximum size travels alone.
    const big = row(9, MAX_MESSAGE_BYTES - messageBytes('', 'identity.user.updated', null));
    expect(chunk([row(8, 10), big, row(10, 10)]).map((c) => c.map((r) => r.id))).toEqual([
      ['id-8'],
      ['id-9'],
      ['id-10'],
    ]);
  });
});

describe('backoffDelay', () => {
  it('doubles from the minimum up to the ceiling, keeping at least half of each step', () => {
    const low = (n: number) => backoffDelay(n, 100, 30_000, () => 0);
    const high = (n: number) => backoffDelay(n, 100, 30_000, () => 1);
    expect([1, 2, 3, 4].map(high)).toEqual([100, 200, 400, 800]);
    expect([1, 2, 3, 4].map(low)).toEqual([50, 100, 200, 400]);
    expect(high(50)).toBe(30_000);
    expect(low(50)).toBe(15_000);
    expect(high(0)).toBe(100);
  });
});

describe('destinations', () => {
  it('maps an event type to its producer topic and refuses a type outside the catalogue', () => {
    expect(eventTopic('identity.user.registered')).toBe('identity-events');
    expect(eventTopic('audit.security.detected')).toBe('audit-events');
    expect(() => eventTopic('nobody.thing.happened')).toThrow(OutboxError);
    expect(() => eventTopic('nobody.thing.happened')).toThrow(/not in the catalogue/);
  });

  it('tells a refused destination (4xx) from an unreachable or throttling broker', () => {
    expect(
      isDestinationError(Object.assign(new Error('x'), { name: 'NotFoundException', $fault: 'client' })),
    ).toBe(true);
    expect(isDestinationError(new OutboxError('destination_not_found', 'gone'))).toBe(true);
    expect(isDestinationError(Object.assign(new Error('x'), { name: 'Throttling', $fault: 'client' }))).toBe(
      false,
    );
    expect(
      isDestinationError(Object.assign(new Error('x'), { name: 'InternalError', $fault: 'server' })),
    ).toBe(false);
    expect(
      isDestinationError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })),
    ).toBe(false);
  });
});
