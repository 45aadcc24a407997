import { describe, expect, it } from '@jest/globals';
import type { ConsumerEvent } from '../consumer/types.ts';
import { createConsumerSpy } from './spy.ts';

const handled = (id: string, type = 'identity.user.registered'): ConsumerEvent => ({
  kind: 'handled',
  id,
  type,
  sqsMessageId: `m-${id}`,
  receiveCount: 1,
  durationMs: 1,
  deleted: true,
});

describe('createConsumerSpy', () => {
  it('resolves for outcomes that already happened and for later ones', async () => {
    const spy = createConsumerSpy();
    spy.onEvent(handled('a'));
    await expect(spy.waitFor({ id: 'a' })).resolves.toEqual([handled('a')]);
    const later = spy.waitFor({ type: 'identity.user.registered' }, { count: 3 });
    spy.onEvent(handled('b'));
    spy.onEvent({
      kind: 'duplicate',
      id: 'b',
      type: 'identity.user.registered',
      sqsMessageId: 'x',
      receiveCount: 1,
      deleted: true,
    });
    spy.onEvent(handled('c'));
    await expect(later).resolves.toHaveLength(3);
    expect(spy.count({ kind: 'duplicate' })).toBe(1);
    expect(spy.count()).toBe(3);
  });

  it('rejects with spy_timeout and says what it saw', async () => {
    const spy = createConsumerSpy();
    spy.onEvent(handled('a', 'authz.role.assigned'));
    await expect(spy.waitFor({ id: 'missing' }, { timeoutMs: 20 })).rejects.toMatchObject({
      code: 'spy_timeout',
      message: expect.stringContaining('1× handled authz.role.assigned'),
    });
  });
});
