/**
 * The decision (authz.md "Model"): subject S may do permission P on resource R when some path gives it:
 * S itself or a group S belongs to (transitively) holds
 * - an assignment of a role whose flattened permissions cover P, global or scoped to R or an ancestor
 *   of R, or
 * - a grant of a permission covering P on R or an ancestor of R,
 * and that assignment's or grant's condition, if any, evaluates to true. Without R only global
 * assignments count. Anything else is a deny (default deny).
 *
 * Cost: one look-up of R's node (parent, assignments and grants together), then pointer walks up the
 * chain; on each node, min(holders there, 1 + groups of S) look-ups; then the same for global
 * assignments; O(1) permission matching per candidate (flattened role sets); S's groups come from a
 * cache. Unconditional paths are
 * tried first; conditions are evaluated only when no unconditional path allows, in the same order.
 * The first allowing path names the reason; the search order is the nearest resource first
 * (assignments, then grants on it), global assignments last.
 */

import type { GroupClosure, GroupPath } from './groups.ts';
import { GLOBAL } from './holdings.ts';
import type { Assignment, CheckRequest, Decision, Grant, ResourceRef, SubjectRef } from './model.ts';
import { permissionCovers } from './permissions.ts';
import type { RoleRegistry } from './roles.ts';
import type { IndexState } from './state.ts';

const NO_CHAIN: readonly ResourceRef[] = Object.freeze([]);
const NO_MATCH: Decision = Object.freeze({
  allowed: false,
  reason: null,
  denial: 'no_matching_role_or_grant',
});
const CONDITION_NOT_MET: Decision = Object.freeze({
  allowed: false,
  reason: null,
  denial: 'condition_not_met',
});

/** `role:editor on project:42 via group:eng`, `role:platform-admin (global)`; `via` from GroupPath. */
export function assignmentReason(a: Assignment, via: string): string {
  const where = a.scope === null ? ' (global)' : ` on ${a.scope}`;
  const cond = a.condition === null ? '' : ' (condition met)';
  return `role:${a.role}${where}${via}${cond}`;
}

/** `grant:<id> (documents:read on folder:3) via group:eng`. */
export function grantReason(g: Grant, via: string): string {
  const cond = g.condition === null ? '' : ' (condition met)';
  return `grant:${g.id} (${g.permission} on ${g.resource})${via}${cond}`;
}

interface Pending {
  assignment: Assignment | null;
  grant: Grant | null;
  via: string;
}

/** What one check needs while scanning holdings; one small object per check. */
interface Scan {
  subject: SubjectRef;
  permission: string;
  groups: readonly GroupPath[];
  byGroup: ReadonlyMap<SubjectRef, GroupPath>;
  roles: RoleRegistry;
  pending: Pending[] | undefined;
}

/** The reason's ` via …` of `s` if it is the subject ('') or one of its groups, else undefined. */
function holderVia(scan: Scan, s: SubjectRef): string | undefined {
  return s === scan.subject ? '' : scan.byGroup.get(s)?.via;
}

function tryAssignments(scan: Scan, items: readonly Assignment[], via: string): string | null {
  for (const a of items) {
    if (!scan.roles.covers(a.role, scan.permission)) continue;
    if (a.condition === null) return assignmentReason(a, via);
    scan.pending ??= [];
    scan.pending.push({ assignment: a, grant: null, via });
  }
  return null;
}

function tryGrants(scan: Scan, items: readonly Grant[], via: string): string | null {
  for (const g of items) {
    if (!permissionCovers(g.permission, scan.permission)) continue;
    if (g.condition === null) return grantReason(g, via);
    scan.pending ??= [];
    scan.pending.push({ assignment: null, grant: g, via });
  }
  return null;
}

/**
 * Holdings on one resource key that belong to the subject or its groups. Iterates whichever side is
 * smaller: the holders of that key, or the subject and its groups.
 */
function scanKey<T extends Assignment | Grant>(
  scan: Scan,
  on: ReadonlyMap<SubjectRef, readonly T[]> | undefined,
  tryItems: (scan: Scan, items: readonly T[], via: string) => string | null,
): string | null {
  if (on === undefined) return null;
  if (on.size <= scan.groups.length + 1) {
    for (const [s, items] of on) {
      const via = holderVia(scan, s);
      if (via === undefined) continue;
      const reason = tryItems(scan, items, via);
      if (reason !== null) return reason;
    }
    return null;
  }
  const own = on.get(scan.subject);
  if (own !== undefined) {
    const reason = tryItems(scan, own, '');
    if (reason !== null) return reason;
  }
  for (const g of scan.groups) {
    const items = on.get(g.group);
    if (items === undefined) continue;
    const reason = tryItems(scan, items, g.via);
    if (reason !== null) return reason;
  }
  return null;
}

/**
 * Global assignments when many subjects hold some: the subject's own, then those of its groups that
 * hold any (that list cached on the closure: typically 0–2 groups instead of all of them).
 */
function scanGlobal(
  scan: Scan,
  global: ReadonlyMap<SubjectRef, readonly Assignment[]>,
  closure: GroupClosure,
): string | null {
  const own = global.get(scan.subject);
  if (own !== undefined) {
    const reason = tryAssignments(scan, own, '');
    if (reason !== null) return reason;
  }
  if (closure.list.length === 0) return null;
  closure.globalHolders ??= closure.list.filter((g) => global.has(g.group));
  for (const g of closure.globalHolders) {
    const items = global.get(g.group);
    if (items === undefined) continue;
    const reason = tryAssignments(scan, items, g.via);
    if (reason !== null) return reason;
  }
  return null;
}

/** The resource and its ancestors, nearest first; empty for a global check. */
export function resourceChain(state: IndexState, resource: ResourceRef | undefined): readonly ResourceRef[] {
  return resource === undefined ? NO_CHAIN : state.tree.chainOf(resource);
}

export function decide(state: IndexState, req: CheckRequest): Decision {
  const { assignments, tree } = state;
  const closure = state.groups.closure(req.subject);
  const scan: Scan = {
    subject: req.subject,
    permission: req.permission,
    groups: closure.list,
    byGroup: closure.byGroup,
    roles: state.roles,
    pending: undefined,
  };

  let node = req.resource === undefined ? undefined : tree.node(req.resource);
  for (let depth = 0; node !== undefined && depth <= tree.maxDepth; depth++) {
    const reason = scanKey(scan, node.assignments, tryAssignments) ?? scanKey(scan, node.grants, tryGrants);
    if (reason !== null) return { allowed: true, reason };
    node = node.parent;
  }
  const global = assignments.onKey(GLOBAL);
  if (global !== undefined) {
    const reason =
      global.size <= scan.groups.length + 1
        ? scanKey(scan, global, tryAssignments)
        : scanGlobal(scan, global, closure);
    if (reason !== null) return { allowed: true, reason };
  }

  if (scan.pending === undefined) return NO_MATCH;
  const now = req.now ?? new Date();
  for (const p of scan.pending) {
    const condition = (p.assignment?.condition ?? p.grant?.condition) as string;
    if (state.conditions.evaluate(condition, req.context, now).outcome !== 'true') continue;
    return {
      allowed: true,
      reason:
        p.assignment !== null ? assignmentReason(p.assignment, p.via) : grantReason(p.grant as Grant, p.via),
    };
  }
  return CONDITION_NOT_MET;
}
