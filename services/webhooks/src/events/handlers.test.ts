import { handlerCoverage } from '@authplatform/messaging';
import { describe, expect, it } from '@jest/globals';
import { createHandlers } from './handlers.ts';

describe('webhooks handlers', () => {
  it('handle exactly the types webhooks is subscribed to (every public type, and the compliance requests)', () => {
    const handlers = createHandlers({
      complianceExports: {
        bucket: 'unused',
        put: () => Promise.reject(new Error('not used by this test')),
      },
      wake: () => undefined,
    });
    expect(handlerCoverage('webhooks', Object.keys(handlers))).toEqual({ missing: [], unexpected: [] });
  });
});
