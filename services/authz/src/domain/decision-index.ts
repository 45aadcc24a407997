/**
 * The in-memory decision index (authz.md "Decisions at speed"): built from a snapshot loaded from
 * Postgres, kept current by applying every `AuthzChange` (own writes and the change log of other
 * instances), and answering checks, explanations and lookups without I/O.
 *
 * Not thread-safe in any sense that matters for Node: every method is synchronous, so a check never
 * sees half a change. The writer (H2's store) calls the cycle guards before committing and applies the
 * committed change afterwards.
 */
import { decide } from './check.ts';
import { type ConditionEngine, defaultConditionEngine } from './conditions.ts';
import { type Explanation, explainDecision } from './explain.ts';
import { GLOBAL } from './holdings.ts';
import {
  type LookupResourcesRequest,
  type LookupSubjectsRequest,
  lookupResources,
  lookupSubjects,
} from './lookup.ts';
import type {
  AuthzChange,
  AuthzSnapshot,
  CheckRequest,
  Decision,
  ResourceRef,
  Role,
  SubjectRef,
} from './model.ts';
import { applyChange, createState } from './state.ts';

export interface AuthzIndexOptions {
  /** The CEL engine (and its compiled-expression cache); default: one shared by the process. */
  conditions?: ConditionEngine;
  /** Longest ancestor chain followed (see hierarchy.ts); default 64. */
  maxResourceDepth?: number;
}

export interface AuthzIndexStats {
  roles: number;
  assignments: number;
  grants: number;
  memberships: number;
  parentLinks: number;
  /** Resources mentioned by an assignment scope, grant or parent link. */
  knownResources: number;
  /** Subjects whose group closure is cached. */
  cachedGroupClosures: number;
  compiledConditions: number;
  /** Changes applied since creation (snapshot items included). */
  appliedChanges: number;
}

export interface AuthzIndex {
  /** Applies one change; idempotent (applying the same change twice leaves the same state). */
  apply(change: AuthzChange): void;
  /** Applies several changes in order. */
  applyAll(changes: Iterable<AuthzChange>): void;
  check(req: CheckRequest): Decision;
  explain(req: CheckRequest): Explanation;
  /** Sorted resources of `resourceType` the subject may act on, among those the index knows. */
  lookupResources(req: LookupResourcesRequest): ResourceRef[];
  /**
   * Sorted users and clients allowed on the resource, groups expanded to their members transitively;
   * groups themselves only with `includeGroups: true`.
   */
  lookupSubjects(req: LookupSubjectsRequest): SubjectRef[];
  /** Whether giving role `name` these includes would create a cycle (or include itself). */
  roleIncludesWouldCycle(name: string, includes: readonly string[]): boolean;
  /** Whether adding `member` to `group` would create a cycle (or add the group to itself). */
  membershipWouldCycle(group: SubjectRef, member: SubjectRef): boolean;
  /** Whether making `parent` the parent of `resource` would create a cycle (or parent itself). */
  parentWouldCycle(resource: ResourceRef, parent: ResourceRef): boolean;
  /** Whether making `parent` the parent of `resource` would make a chain deeper than maxResourceDepth. */
  parentWouldExceedDepth(resource: ResourceRef, parent: ResourceRef): boolean;
  /** A role as the index has it (built-in roles included), or undefined. */
  role(name: string): Role | undefined;
  /** A role's flattened permissions (through includes), sorted; null for an unknown role. */
  rolePermissions(name: string): string[] | null;
  /**
   * Names of roles the subject holds globally and unconditionally, directly or through its groups,
   * sorted — what goes into access tokens (conditional assignments cannot be evaluated at token time).
   */
  globalRolesOf(subject: SubjectRef): string[];
  stats(): AuthzIndexStats;
}

function snapshotChanges(snapshot: AuthzSnapshot): AuthzChange[] {
  return [
    ...snapshot.roles.map((role): AuthzChange => ({ kind: 'role.upserted', role })),
    ...snapshot.memberships.map((membership): AuthzChange => ({ kind: 'membership.added', membership })),
    ...snapshot.parents.map(
      (p): AuthzChange => ({ kind: 'parent.set', resource: p.resource, parent: p.parent }),
    ),
    ...snapshot.assignments.map((assignment): AuthzChange => ({ kind: 'assignment.added', assignment })),
    ...snapshot.grants.map((grant): AuthzChange => ({ kind: 'grant.added', grant })),
  ];
}

export function createAuthzIndex(snapshot?: AuthzSnapshot, options: AuthzIndexOptions = {}): AuthzIndex {
  const state = createState(options.conditions ?? defaultConditionEngine(), options.maxResourceDepth);
  let applied = 0;

  const apply = (change: AuthzChange): void => {
    applyChange(state, change);
    applied++;
  };
  if (snapshot !== undefined) for (const change of snapshotChanges(snapshot)) apply(change);

  return {
    apply,
    applyAll(changes) {
      for (const change of changes) apply(change);
    },
    check: (req) => decide(state, req),
    explain: (req) => explainDecision(state, req),
    lookupResources: (req) => lookupResources(state, req),
    lookupSubjects: (req) => lookupSubjects(state, req),
    roleIncludesWouldCycle: (name, includes) => state.roles.includesWouldCycle(name, includes),
    membershipWouldCycle: (group, member) => state.groups.wouldCycle(group, member),
    parentWouldCycle: (resource, parent) => state.tree.wouldCycle(resource, parent),
    parentWouldExceedDepth: (resource, parent) => state.tree.wouldExceedDepth(resource, parent),
    role(name) {
      const r = state.roles.get(name);
      return r === undefined
        ? undefined
        : { ...r, permissions: [...r.permissions], includes: [...r.includes] };
    },
    rolePermissions: (name) => state.roles.flat(name)?.toArray() ?? null,
    globalRolesOf(subject) {
      const out = new Set<string>();
      for (const holder of [subject, ...state.groups.closureOf(subject).map((g) => g.group)])
        for (const a of state.assignments.of(holder, GLOBAL) ?? [])
          if (a.condition === null && state.roles.get(a.role) !== undefined) out.add(a.role);
      return [...out].sort();
    },
    stats: () => ({
      roles: state.roles.size,
      assignments: state.assignments.size,
      grants: state.grants.size,
      memberships: state.groups.size,
      parentLinks: state.tree.links,
      knownResources: state.tree.knownCount,
      cachedGroupClosures: state.groups.cachedClosures,
      compiledConditions: state.conditions.cacheSize(),
      appliedChanges: applied,
    }),
  };
}
