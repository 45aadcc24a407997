/**
 * The in-memory state behind a decision index and how an `AuthzChange` updates it. Every change is
 * idempotent: applying it twice leaves the state of applying it once (an added item with a known id
 * replaces it; removing something absent does nothing). Changes are trusted to be valid — the writer
 * validated them before committing — but malformed graphs (cycles from racing writers) never hang or
 * crash a decision.
 */
import type { ConditionEngine } from './conditions.ts';
import { MembershipGraph } from './groups.ts';
import { ResourceTree } from './hierarchy.ts';
import { GLOBAL, HoldingIndex, type Slots } from './holdings.ts';
import type { Assignment, AuthzChange, Grant, SubjectRef } from './model.ts';
import { RoleRegistry } from './roles.ts';

/** An error of the domain, with a stable code. */
export class AuthzDomainError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AuthzDomainError';
    this.code = code;
  }
}

export interface IndexState {
  readonly roles: RoleRegistry;
  readonly groups: MembershipGraph;
  readonly tree: ResourceTree;
  readonly assignments: HoldingIndex<Assignment>;
  readonly grants: HoldingIndex<Grant>;
  readonly conditions: ConditionEngine;
}

function missingNode(key: string): never {
  throw new AuthzDomainError('internal', `no resource node for ${key}: retain the resource first`);
}

/** Assignment slots: global ones in their own map, scoped ones on the scope's resource node. */
function assignmentSlots(tree: ResourceTree): Slots<Assignment> {
  const global = new Map<SubjectRef, Assignment[]>();
  return {
    get: (key) => (key === GLOBAL ? global : tree.node(key)?.assignments),
    create(key) {
      if (key === GLOBAL) return global;
      const node = tree.node(key) ?? missingNode(key);
      node.assignments ??= new Map();
      return node.assignments;
    },
    drop(key) {
      const node = key === GLOBAL ? undefined : tree.node(key);
      if (node !== undefined) node.assignments = undefined;
    },
  };
}

/** Grant slots, on the resource's node (a grant always names a resource). */
function grantSlots(tree: ResourceTree): Slots<Grant> {
  return {
    get: (key) => (key === GLOBAL ? undefined : tree.node(key)?.grants),
    create(key) {
      const node = (key === GLOBAL ? undefined : tree.node(key)) ?? missingNode(String(key));
      node.grants ??= new Map();
      return node.grants;
    },
    drop(key) {
      const node = key === GLOBAL ? undefined : tree.node(key);
      if (node !== undefined) node.grants = undefined;
    },
  };
}

export function createState(conditions: ConditionEngine, maxResourceDepth?: number): IndexState {
  const tree = new ResourceTree(maxResourceDepth);
  return {
    roles: new RoleRegistry(),
    groups: new MembershipGraph(),
    tree,
    assignments: new HoldingIndex<Assignment>((a) => a.scope ?? GLOBAL, assignmentSlots(tree)),
    grants: new HoldingIndex<Grant>((g) => g.resource, grantSlots(tree)),
    conditions,
  };
}

function copyAssignment(a: Assignment): Assignment {
  return {
    id: a.id,
    subject: a.subject,
    role: a.role,
    scope: a.scope ?? null,
    condition: a.condition ?? null,
  };
}

function copyGrant(g: Grant): Grant {
  return {
    id: g.id,
    subject: g.subject,
    permission: g.permission,
    resource: g.resource,
    condition: g.condition ?? null,
  };
}

function removeAssignment(state: IndexState, id: string): void {
  const old = state.assignments.remove(id);
  if (old === undefined) return;
  if (old.scope !== null) state.tree.release(old.scope);
  else state.groups.invalidate(old.subject); // cached "groups holding global assignments"
}

function removeGrant(state: IndexState, id: string): void {
  const old = state.grants.remove(id);
  if (old !== undefined) state.tree.release(old.resource);
}

/** Applies one change to the state. */
export function applyChange(state: IndexState, change: AuthzChange): void {
  switch (change.kind) {
    case 'role.upserted':
      state.roles.upsert(change.role);
      return;
    case 'role.deleted':
      state.roles.delete(change.name);
      return;
    case 'assignment.added': {
      const a = copyAssignment(change.assignment);
      removeAssignment(state, a.id);
      if (a.scope !== null) state.tree.retain(a.scope);
      else state.groups.invalidate(a.subject);
      state.assignments.put(a);
      return;
    }
    case 'assignment.removed':
      removeAssignment(state, change.id);
      return;
    case 'grant.added': {
      const g = copyGrant(change.grant);
      removeGrant(state, g.id);
      state.tree.retain(g.resource);
      state.grants.put(g);
      return;
    }
    case 'grant.removed':
      removeGrant(state, change.id);
      return;
    case 'membership.added':
      state.groups.add(change.membership.group, change.membership.member);
      return;
    case 'membership.removed':
      state.groups.remove(change.membership.group, change.membership.member);
      return;
    case 'parent.set':
      state.tree.setParent(change.resource, change.parent);
      return;
    case 'subject.removed':
      for (const a of [...state.assignments.heldBy(change.subject)]) removeAssignment(state, a.id);
      for (const g of [...state.grants.heldBy(change.subject)]) removeGrant(state, g.id);
      state.groups.removeSubject(change.subject);
      return;
    default: {
      // A kind this version does not know (a newer writer during a rolling deploy): say so loudly
      // rather than silently diverge; the caller logs it and reloads from a snapshot.
      const unknown: { kind?: unknown } = change;
      throw new AuthzDomainError('unknown_change', `unknown authz change kind ${String(unknown.kind)}`);
    }
  }
}
