/**
 * Reverse questions, consistent with `check` (same paths, same conditions with the given context and
 * time; conditions see only `context` and `now`, so a condition's result is the same on every
 * resource):
 * - lookupResources: which resources of a type may a subject act on — among the resources the index
 *   knows (assignment scopes, grant resources, both ends of parent links). A matching global
 *   assignment means every known resource of the type.
 * - lookupSubjects: who may act on a resource — users and clients, with groups expanded to their
 *   members transitively. Groups themselves are listed only with `includeGroups: true` (a group is
 *   "allowed" in the sense that `check` with the group as subject allows).
 * Both return sorted, de-duplicated arrays; the HTTP layer paginates them.
 */
import { GLOBAL } from './holdings.ts';
import type { CheckContext, ResourceRef, SubjectRef } from './model.ts';
import { isGroup, permissionCovers, typeOf } from './permissions.ts';
import type { IndexState } from './state.ts';

export interface LookupResourcesRequest {
  subject: SubjectRef;
  permission: string;
  /** `document` for `document:9`. */
  resourceType: string;
  context?: CheckContext | undefined;
  now?: Date | undefined;
}

export interface LookupSubjectsRequest {
  permission: string;
  /** Omitted: who holds the permission globally. */
  resource?: ResourceRef | undefined;
  context?: CheckContext | undefined;
  now?: Date | undefined;
  /** Also list the groups (direct holders and nested groups). Default false. */
  includeGroups?: boolean | undefined;
}

function byString(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Evaluates conditions once per distinct expression within one lookup (same context and time). */
function conditionGate(state: IndexState, context: CheckContext | undefined, now: Date) {
  const memo = new Map<string, boolean>();
  return (expression: string | null): boolean => {
    if (expression === null) return true;
    let ok = memo.get(expression);
    if (ok === undefined) {
      ok = state.conditions.evaluate(expression, context, now).outcome === 'true';
      memo.set(expression, ok);
    }
    return ok;
  };
}

export function lookupResources(state: IndexState, req: LookupResourcesRequest): ResourceRef[] {
  const passes = conditionGate(state, req.context, req.now ?? new Date());
  const holders = [req.subject, ...state.groups.closureOf(req.subject).map((g) => g.group)];
  const roots = new Set<ResourceRef>();
  for (const holder of holders) {
    for (const a of state.assignments.heldBy(holder)) {
      if (!state.roles.covers(a.role, req.permission) || !passes(a.condition)) continue;
      if (a.scope === null) return [...state.tree.sortedOfType(req.resourceType)];
      roots.add(a.scope);
    }
    for (const g of state.grants.heldBy(holder))
      if (permissionCovers(g.permission, req.permission) && passes(g.condition)) roots.add(g.resource);
  }
  const out: ResourceRef[] = [];
  for (const r of state.tree.descendantsOf(roots)) if (typeOf(r) === req.resourceType) out.push(r);
  return out.sort(byString);
}

export function lookupSubjects(state: IndexState, req: LookupSubjectsRequest): SubjectRef[] {
  const passes = conditionGate(state, req.context, req.now ?? new Date());
  const chain = req.resource === undefined ? [] : state.tree.chainOf(req.resource);
  const holders = new Set<SubjectRef>();
  for (const key of [...chain, GLOBAL] as const)
    for (const [subject, items] of state.assignments.onKey(key) ?? [])
      if (
        !holders.has(subject) &&
        items.some((a) => state.roles.covers(a.role, req.permission) && passes(a.condition))
      )
        holders.add(subject);
  for (const key of chain)
    for (const [subject, items] of state.grants.onKey(key) ?? [])
      if (
        !holders.has(subject) &&
        items.some((g) => permissionCovers(g.permission, req.permission) && passes(g.condition))
      )
        holders.add(subject);
  const all = new Set<SubjectRef>();
  for (const h of holders) {
    all.add(h);
    if (isGroup(h)) for (const m of state.groups.membersClosure(h)) all.add(m);
  }
  const out: SubjectRef[] = [];
  for (const s of all) if (req.includeGroups === true || !isGroup(s)) out.push(s);
  return out.sort(byString);
}
