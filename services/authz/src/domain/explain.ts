/**
 * `POST /v1/explain`: the full derivation of one decision, for people debugging access. It walks the
 * same paths as `decide` — the subject, then each group it belongs to (with the membership chain),
 * and for each every assignment and grant on the resource or its ancestors (nearest first, assignments
 * then grants on each), then its global assignments —
 * and says for each path why it allows or fails: unknown role, permission not covered (and otherwise
 * which pattern of which included role covers it), condition false / erroring / not boolean.
 * Conditions are evaluated only on paths whose permission matches (`not_evaluated` otherwise).
 * Holdings on other resources are not listed, only counted (`not_considered`).
 *
 * The document is plain JSON (snake_case field names, like the rest of the HTTP API); `allowed` and
 * `reason` are exactly those of `check` for the same request and time.
 */
import { decide, resourceChain } from './check.ts';
import type { ConditionOutcome } from './conditions.ts';
import { GLOBAL } from './holdings.ts';
import type { Assignment, CheckRequest, Grant, ResourceRef, SubjectRef } from './model.ts';
import { permissionCovers } from './permissions.ts';
import type { IndexState } from './state.ts';

export type PathOutcome =
  | 'allows'
  | 'role_unknown'
  | 'permission_not_covered'
  | 'condition_false'
  | 'condition_error';

export interface ExplainedCondition {
  expression: string;
  result: ConditionOutcome | 'not_evaluated';
  /** The evaluation error, or the type of a non-boolean result. */
  error?: string;
}

interface ExplainedPathBase {
  id: string;
  /** The assignment's scope or the grant's resource; null for a global assignment. */
  applies_on: ResourceRef | null;
  /** How `applies_on` relates to the requested resource. */
  applies_as: 'global' | 'resource' | 'ancestor';
  condition: ExplainedCondition | null;
  outcome: PathOutcome;
}

export interface ExplainedAssignment extends ExplainedPathBase {
  kind: 'assignment';
  role: string;
  /** The granted pattern covering the permission (`documents:*`), or null. */
  matched_by: string | null;
  /** Role include chain from the assigned role to the role holding `matched_by`. */
  through_roles: string[];
}

export interface ExplainedGrant extends ExplainedPathBase {
  kind: 'grant';
  permission: string;
}

export type ExplainedPath = ExplainedAssignment | ExplainedGrant;

export interface ExplainedHolder {
  /** The requested subject, or a group it belongs to. */
  subject: SubjectRef;
  /** Membership chain from the requested subject to this group (empty for the subject itself). */
  via: SubjectRef[];
  paths: ExplainedPath[];
  /** Holdings of this subject on resources outside the chain (or scoped ones, for a global check). */
  not_considered: { assignments: number; grants: number };
}

export interface Explanation {
  request: {
    subject: SubjectRef;
    permission: string;
    resource: ResourceRef | null;
    /** ISO 8601 time the conditions saw. */
    now: string;
    /** Keys of the context (values are not echoed: they may be sensitive). */
    context_keys: string[];
  };
  allowed: boolean;
  reason: string | null;
  /** The resource then its ancestors, nearest first; empty for a global check. */
  resource_chain: ResourceRef[];
  /** The subject first, then its groups nearest first. */
  holders: ExplainedHolder[];
}

function conditionOf(
  state: IndexState,
  expression: string | null,
  covered: boolean,
  req: CheckRequest,
  now: Date,
): { condition: ExplainedCondition | null; outcome: PathOutcome | null } {
  if (expression === null) return { condition: null, outcome: null };
  if (!covered) return { condition: { expression, result: 'not_evaluated' }, outcome: null };
  const r = state.conditions.evaluate(expression, req.context, now);
  const condition: ExplainedCondition = { expression, result: r.outcome };
  if (r.error !== undefined) condition.error = r.error;
  const outcome: PathOutcome | null =
    r.outcome === 'true' ? null : r.outcome === 'false' ? 'condition_false' : 'condition_error';
  return { condition, outcome };
}

function explainAssignment(
  state: IndexState,
  a: Assignment,
  req: CheckRequest,
  now: Date,
  appliesAs: ExplainedPathBase['applies_as'],
): ExplainedAssignment {
  const match = state.roles.match(a.role, req.permission);
  const cond = conditionOf(state, a.condition, match.matched, req, now);
  const outcome: PathOutcome = !match.exists
    ? 'role_unknown'
    : !match.matched
      ? 'permission_not_covered'
      : (cond.outcome ?? 'allows');
  return {
    kind: 'assignment',
    id: a.id,
    role: a.role,
    applies_on: a.scope,
    applies_as: appliesAs,
    matched_by: match.matchedBy,
    through_roles: match.through,
    condition: cond.condition,
    outcome,
  };
}

function explainGrant(
  state: IndexState,
  g: Grant,
  req: CheckRequest,
  now: Date,
  appliesAs: ExplainedPathBase['applies_as'],
): ExplainedGrant {
  const covered = permissionCovers(g.permission, req.permission);
  const cond = conditionOf(state, g.condition, covered, req, now);
  return {
    kind: 'grant',
    id: g.id,
    permission: g.permission,
    applies_on: g.resource,
    applies_as: appliesAs,
    condition: cond.condition,
    outcome: covered ? (cond.outcome ?? 'allows') : 'permission_not_covered',
  };
}

export function explainDecision(state: IndexState, req: CheckRequest): Explanation {
  const now = req.now ?? new Date();
  const fixed: CheckRequest = { ...req, now };
  const decision = decide(state, fixed);
  const chain = resourceChain(state, req.resource);
  const holders: ExplainedHolder[] = [
    { subject: req.subject, via: [] },
    ...state.groups.closureOf(req.subject).map((g) => ({ subject: g.group, via: [...g.path] })),
  ].map(({ subject, via }) => {
    const paths: ExplainedPath[] = [];
    chain.forEach((r, i) => {
      const appliesAs = i === 0 ? 'resource' : 'ancestor';
      for (const a of state.assignments.of(subject, r) ?? [])
        paths.push(explainAssignment(state, a, fixed, now, appliesAs));
      for (const g of state.grants.of(subject, r) ?? [])
        paths.push(explainGrant(state, g, fixed, now, appliesAs));
    });
    for (const a of state.assignments.of(subject, GLOBAL) ?? [])
      paths.push(explainAssignment(state, a, fixed, now, 'global'));
    const assignments = state.assignments.heldBy(subject).length;
    const grants = state.grants.heldBy(subject).length;
    const listed = (kind: ExplainedPath['kind']) => paths.filter((p) => p.kind === kind).length;
    return {
      subject,
      via,
      paths,
      not_considered: { assignments: assignments - listed('assignment'), grants: grants - listed('grant') },
    };
  });
  return {
    request: {
      subject: req.subject,
      permission: req.permission,
      resource: req.resource ?? null,
      now: Number.isNaN(now.getTime()) ? 'invalid' : now.toISOString(),
      context_keys: Object.keys(req.context ?? {}).sort(),
    },
    allowed: decision.allowed,
    reason: decision.reason,
    resource_chain: [...chain],
    holders,
  };
}
