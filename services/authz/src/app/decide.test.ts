/** Decision logging: every decision id at debug level, denied decisions sampled at info level. */
import { describe, expect, it } from '@jest/globals';
import { createAuthzIndex } from '../domain/index.ts';
import { createDecisions } from './decide.ts';
import type { DecisionIndex } from './decision-index.ts';
import type { DeniedDecision } from './denied-events.ts';
import type { IndexSync } from './index-sync.ts';

function fixture(options: { rate: number; debug: boolean; random?: () => number }) {
  const index = createAuthzIndex({
    roles: [{ name: 'reader', permissions: ['documents:read'], includes: [] }],
    assignments: [{ id: 'a1', subject: 'user:ada', role: 'reader', scope: 'project:1', condition: null }],
    grants: [],
    memberships: [],
    parents: [],
  });
  // Only what createDecisions reads of the sync: the index and its revision.
  const sync = { index, revision: 7, waitFor: async () => true } as unknown as IndexSync<DecisionIndex>;
  const lines: Array<{ level: string; msg: string; meta: Record<string, unknown> }> = [];
  const logger = {
    debug: (msg: string, meta?: object) => lines.push({ level: 'debug', msg, meta: { ...meta } }),
    info: (msg: string, meta?: object) => lines.push({ level: 'info', msg, meta: { ...meta } }),
    isDebugEnabled: () => options.debug,
  };
  const counted: boolean[] = [];
  const sampled: DeniedDecision[] = [];
  const decisions = createDecisions({
    sync,
    logger,
    consistencyTimeoutMs: 10,
    deniedSampleRate: options.rate,
    ...(options.random === undefined ? {} : { random: options.random }),
    onDecision: (allowed) => counted.push(allowed),
    onSampledDenial: (denial) => sampled.push(denial),
  });
  return { decisions, lines, counted, sampled };
}

describe('decision logging', () => {
  it('logs a sampled denial at info level with its decision id, and never an allowed decision', async () => {
    const { decisions, lines, counted, sampled } = fixture({ rate: 1, debug: false });
    const denied = await decisions.check({
      subject: 'user:ada',
      permission: 'documents:write',
      resource: 'project:1',
    });
    const allowed = await decisions.check({
      subject: 'user:ada',
      permission: 'documents:read',
      resource: 'project:1',
    });
    expect(denied).toMatchObject({ allowed: false, revision: '7', reason: null });
    expect(allowed.allowed).toBe(true);
    expect(lines).toEqual([
      {
        level: 'info',
        msg: 'authz decision denied (sampled)',
        meta: expect.objectContaining({
          decision_id: denied.decision_id,
          subject: 'user:ada',
          allowed: false,
        }),
      },
    ]);
    expect(counted).toEqual([false, true]);
    expect(sampled).toEqual([
      expect.objectContaining({
        decisionId: denied.decision_id,
        subject: 'user:ada',
        permission: 'documents:write',
        reason: 'no_matching_role_or_grant',
        revision: 7,
        sampleRate: 1,
      }),
    ]);
  });

  it('samples denials at the configured rate and logs every decision at debug level when enabled', async () => {
    const draws = [0.5, 0.005];
    const { decisions, lines } = fixture({ rate: 0.01, debug: true, random: () => draws.shift() ?? 1 });
    const first = await decisions.check({
      subject: 'user:bob',
      permission: 'documents:read',
      resource: 'project:1',
    });
    const second = await decisions.check({
      subject: 'user:bob',
      permission: 'documents:read',
      resource: 'project:1',
    });
    expect(lines.map((l) => [l.level, l.meta.decision_id])).toEqual([
      ['debug', first.decision_id],
      ['info', second.decision_id],
    ]);
  });

  it('logs and samples nothing at rate 0 without debug', async () => {
    const { decisions, lines, sampled } = fixture({ rate: 0, debug: false });
    await decisions.checkBatch([
      { subject: 'user:bob', permission: 'documents:read', resource: 'project:1' },
      { subject: 'user:ada', permission: 'documents:read', resource: 'project:1' },
    ]);
    expect(lines).toEqual([]);
    expect(sampled).toEqual([]);
  });
});
