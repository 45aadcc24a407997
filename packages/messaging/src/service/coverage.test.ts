import { handledEvents } from '@authplatform/contracts';
import { describe, expect, it } from '@jest/globals';
import { handlerCoverage } from './coverage.ts';

describe('handlerCoverage', () => {
  it('is complete when the handlers are exactly the subscribed types', () => {
    expect(handlerCoverage('authz', handledEvents.authz)).toEqual({ missing: [], unexpected: [] });
  });

  it('names subscribed types without a handler, and handlers that can never run', () => {
    const [first, ...rest] = handledEvents.authz;
    expect(first).toBeDefined();
    const coverage = handlerCoverage('authz', [...rest, 'webhooks.endpoint.created']);
    expect(coverage.missing).toEqual([first]);
    expect(coverage.unexpected).toEqual(['webhooks.endpoint.created']);
  });
});
