/**
 * Decisions (authz.md "Decisions at speed"): check, batch check, lookups and explain, answered from
 * the in-memory index only — never from the tables.
 *
 * Consistency: `minimize_latency` (default) answers from the index as it is; `{ at_least_as_fresh:
 * <revision> }` first waits (bounded) until this instance has applied that revision, else answers a
 * 503 `revision_not_available` problem with `Retry-After`. Every answer carries the revision it was
 * computed at.
 *
 * Every decision gets a UUIDv7 `decision_id`, logged at debug level with the decision; a configurable
 * fraction of denied decisions (`AUTHZ_DENIED_SAMPLE_RATE`) is logged at info level and handed to
 * `onSampledDenial`, which publishes it as an `authz.decision.denied` event off the request path
 * (denied-events.ts).
 */
import { uuidv7 } from '@authplatform/contracts';
import type { Explanation } from '../domain/explain.ts';
import type { CheckContext, Decision } from '../domain/model.ts';
import type { DecisionIndex } from './decision-index.ts';
import type { DeniedDecision } from './denied-events.ts';
import { revisionNotApplied } from './errors.ts';
import type { IndexSync } from './index-sync.ts';

export type Consistency = 'minimize_latency' | { at_least_as_fresh: string };

export interface CheckInput {
  subject: string;
  permission: string;
  resource?: string | undefined;
  context?: CheckContext | undefined;
}

export interface CheckAnswer {
  allowed: boolean;
  revision: string;
  reason: string | null;
  decision_id: string;
}

/** Who asked for a decision (from the caller's token; never the token). */
export interface Caller {
  type: 'user' | 'client' | 'admin' | 'system';
  id?: string | undefined;
}

export interface DecisionLogger {
  debug(msg: string, meta?: object): unknown;
  info(msg: string, meta?: object): unknown;
  isDebugEnabled(): boolean;
}

export interface DecisionsDeps {
  sync: IndexSync<DecisionIndex>;
  logger: DecisionLogger;
  consistencyTimeoutMs: number;
  deniedSampleRate: number;
  random?: () => number;
  /** Counts each decision (metrics). */
  onDecision?: (allowed: boolean) => void;
  /** Receives each sampled denial; must not block (it runs on the request path). */
  onSampledDenial?: (denial: DeniedDecision) => void;
}

export function createDecisions(deps: DecisionsDeps) {
  const { sync, logger } = deps;
  const random = deps.random ?? Math.random;

  async function fresh(consistency: Consistency | undefined): Promise<void> {
    if (consistency === undefined || consistency === 'minimize_latency') return;
    const token = consistency.at_least_as_fresh;
    const wanted = Number(token);
    if (wanted <= sync.revision) return;
    if (!(await sync.waitFor(wanted, deps.consistencyTimeoutMs))) {
      throw revisionNotApplied(token, deps.consistencyTimeoutMs);
    }
  }

  function record(
    input: CheckInput,
    decision: Decision,
    decisionId: string,
    revision: number,
    caller: Caller | undefined,
    now: Date,
  ): void {
    deps.onDecision?.(decision.allowed);
    const sampled = !decision.allowed && deps.deniedSampleRate > 0 && random() < deps.deniedSampleRate;
    if (sampled) {
      deps.onSampledDenial?.({
        decisionId,
        subject: input.subject,
        permission: input.permission,
        resource: input.resource,
        reason: decision.denial,
        revision,
        sampleRate: deps.deniedSampleRate,
        context: input.context,
        actor: caller,
        time: now,
      });
    }
    if (!sampled && !logger.isDebugEnabled()) return;
    const meta = {
      decision_id: decisionId,
      subject: input.subject,
      permission: input.permission,
      resource: input.resource ?? null,
      allowed: decision.allowed,
      reason: decision.reason,
      revision,
    };
    if (sampled) logger.info('authz decision denied (sampled)', meta);
    else logger.debug('authz decision', meta);
  }

  function decide(input: CheckInput, now: Date, caller: Caller | undefined): CheckAnswer {
    const revision = sync.revision;
    const decision = sync.index.check({
      subject: input.subject,
      permission: input.permission,
      resource: input.resource,
      context: input.context,
      now,
    });
    const decisionId = uuidv7();
    record(input, decision, decisionId, revision, caller, now);
    return {
      allowed: decision.allowed,
      revision: String(revision),
      reason: decision.reason,
      decision_id: decisionId,
    };
  }

  return {
    /** The revision this instance's index is at, as a token. */
    revision: () => String(sync.revision),

    async check(input: CheckInput, consistency?: Consistency, caller?: Caller): Promise<CheckAnswer> {
      await fresh(consistency);
      return decide(input, new Date(), caller);
    },

    async checkBatch(
      inputs: CheckInput[],
      consistency?: Consistency,
      caller?: Caller,
    ): Promise<{ results: CheckAnswer[]; revision: string }> {
      await fresh(consistency);
      const now = new Date();
      // One revision for the whole batch: no await between the decisions.
      const results = inputs.map((input) => decide(input, now, caller));
      return { results, revision: String(sync.revision) };
    },

    async explain(
      input: CheckInput,
      consistency?: Consistency,
      caller?: Caller,
    ): Promise<CheckAnswer & { explanation: Explanation }> {
      await fresh(consistency);
      const revision = sync.revision;
      const now = new Date();
      const explanation = sync.index.explain({ ...input, now });
      const decisionId = uuidv7();
      record(
        input,
        { allowed: explanation.allowed, reason: explanation.reason },
        decisionId,
        revision,
        caller,
        now,
      );
      return {
        allowed: explanation.allowed,
        reason: explanation.reason,
        revision: String(revision),
        decision_id: decisionId,
        explanation,
      };
    },

    async lookupResources(
      input: {
        subject: string;
        permission: string;
        resourceType: string;
        context?: CheckContext | undefined;
      },
      consistency?: Consistency,
    ): Promise<{ resources: string[]; revision: string }> {
      await fresh(consistency);
      const resources = sync.index.lookupResources({ ...input, now: new Date() });
      return { resources, revision: String(sync.revision) };
    },

    async lookupSubjects(
      input: {
        permission: string;
        resource?: string | undefined;
        context?: CheckContext | undefined;
        includeGroups?: boolean | undefined;
      },
      consistency?: Consistency,
    ): Promise<{ subjects: string[]; revision: string }> {
      await fresh(consistency);
      const subjects = sync.index.lookupSubjects({ ...input, now: new Date() });
      return { subjects, revision: String(sync.revision) };
    },
  };
}

export type Decisions = ReturnType<typeof createDecisions>;
