import { handledEvents } from '@authplatform/contracts';
import { handlerCoverage } from '@authplatform/messaging';
import { describe, expect, it } from '@jest/globals';
import { newDataKey } from '../domain/log/sealing.ts';
import { auditLogWriter } from '../store/log/audit-log-store.ts';
import { createHandlers } from './handlers.ts';

describe('audit handlers', () => {
  it('handle exactly the types audit is subscribed to: every type of every topic', () => {
    const handlers = createHandlers({ writer: auditLogWriter(newDataKey()) });
    expect(handlerCoverage('audit', Object.keys(handlers))).toEqual({ missing: [], unexpected: [] });
    expect(Object.keys(handlers)).toHaveLength(handledEvents.audit.length);
  });
});
