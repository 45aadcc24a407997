/**
 * Group membership graph: `member ∈ group`, nested groups allowed. For each subject that belongs to
 * some group, the transitive set of its groups (its "closure") is computed on first use and cached;
 * a membership change drops the cached closures of the member and of everything below it (the only
 * subjects whose closure can change). Subjects in no group are never cached, so checks for arbitrary
 * unknown subjects cannot grow memory. Cycles — refused at write time, possible through racing
 * writers — are tolerated (breadth-first search with a visited set).
 */
import { getOrCreate } from './collections.ts';
import type { SubjectRef } from './model.ts';

/** One group a subject belongs to, and the membership chain that makes it so. */
export interface GroupPath {
  group: SubjectRef;
  /** Groups from the subject's direct group to `group` inclusive (`['group:eng', 'group:all']`). */
  path: readonly SubjectRef[];
  /** The path for a decision's reason: ` via group:eng > group:all`. */
  via: string;
}

/** A subject's groups as a list (nearest first) and by group. */
export interface GroupClosure {
  readonly list: readonly GroupPath[];
  readonly byGroup: ReadonlyMap<SubjectRef, GroupPath>;
  /**
   * The groups of `list` that hold global assignments, filled in by the decision on first use; dropped
   * with the closure on membership changes, and by `invalidate` when a subject gains or loses global
   * assignments.
   */
  globalHolders?: readonly GroupPath[];
}

const NO_GROUPS: GroupClosure = Object.freeze({ list: Object.freeze([]), byGroup: new Map() });

function byString(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export class MembershipGraph {
  /** member → groups it is directly in. */
  readonly #groupsOf = new Map<SubjectRef, Set<SubjectRef>>();
  /** group → its direct members. */
  readonly #membersOf = new Map<SubjectRef, Set<SubjectRef>>();
  readonly #closures = new Map<SubjectRef, GroupClosure>();
  #count = 0;

  get size(): number {
    return this.#count;
  }

  get cachedClosures(): number {
    return this.#closures.size;
  }

  has(group: SubjectRef, member: SubjectRef): boolean {
    return this.#membersOf.get(group)?.has(member) ?? false;
  }

  /** Adds `member` to `group`; false when it already was there. */
  add(group: SubjectRef, member: SubjectRef): boolean {
    if (this.#membersOf.get(group)?.has(member)) return false;
    getOrCreate(this.#membersOf, group, () => new Set()).add(member);
    getOrCreate(this.#groupsOf, member, () => new Set()).add(group);
    this.#count++;
    this.invalidate(member);
    return true;
  }

  /** Removes `member` from `group`; false when it was not there. */
  remove(group: SubjectRef, member: SubjectRef): boolean {
    const members = this.#membersOf.get(group);
    if (members === undefined || !members.has(member)) return false;
    this.invalidate(member);
    members.delete(member);
    if (members.size === 0) this.#membersOf.delete(group);
    const groups = this.#groupsOf.get(member);
    groups?.delete(group);
    if (groups?.size === 0) this.#groupsOf.delete(member);
    this.#count--;
    return true;
  }

  /** Removes every membership of `subject`, as a member and (for a group) as a group. */
  removeSubject(subject: SubjectRef): number {
    let removed = 0;
    for (const group of [...(this.#groupsOf.get(subject) ?? [])]) if (this.remove(group, subject)) removed++;
    for (const member of [...(this.#membersOf.get(subject) ?? [])])
      if (this.remove(subject, member)) removed++;
    this.#closures.delete(subject);
    return removed;
  }

  /** Direct groups of `member`, sorted. */
  directGroups(member: SubjectRef): SubjectRef[] {
    return [...(this.#groupsOf.get(member) ?? [])].sort(byString);
  }

  /** Direct members of `group`, sorted. */
  directMembers(group: SubjectRef): SubjectRef[] {
    return [...(this.#membersOf.get(group) ?? [])].sort(byString);
  }

  /**
   * Every group `subject` belongs to, transitively, nearest first (breadth-first, each level sorted),
   * with the shortest membership chain to each. Excludes `subject` itself.
   */
  closureOf(subject: SubjectRef): readonly GroupPath[] {
    return this.closure(subject).list;
  }

  /** `closureOf`, also indexed by group (cached together). */
  closure(subject: SubjectRef): GroupClosure {
    const cached = this.#closures.get(subject);
    if (cached !== undefined) return cached;
    if (!this.#groupsOf.has(subject)) return NO_GROUPS;
    const out: GroupPath[] = [];
    const seen = new Set<SubjectRef>([subject]);
    let frontier: GroupPath[] = [{ group: subject, path: [], via: '' }];
    while (frontier.length > 0) {
      const next: GroupPath[] = [];
      for (const { group: current, path } of frontier) {
        const parents = this.#groupsOf.get(current);
        if (parents === undefined) continue;
        for (const parent of [...parents].sort(byString)) {
          if (seen.has(parent)) continue;
          seen.add(parent);
          const full = Object.freeze([...path, parent]);
          const entry: GroupPath = { group: parent, path: full, via: ` via ${full.join(' > ')}` };
          out.push(entry);
          next.push(entry);
        }
      }
      frontier = next;
    }
    Object.freeze(out);
    const closure: GroupClosure = { list: out, byGroup: new Map(out.map((g) => [g.group, g])) };
    this.#closures.set(subject, closure);
    return closure;
  }

  /** Every subject inside `group`, transitively (members of nested groups too), excluding `group`. */
  membersClosure(group: SubjectRef): Set<SubjectRef> {
    const out = new Set<SubjectRef>();
    const stack = [group];
    while (stack.length > 0) {
      const members = this.#membersOf.get(stack.pop() as SubjectRef);
      if (members === undefined) continue;
      for (const m of members) {
        if (out.has(m) || m === group) continue;
        out.add(m);
        stack.push(m);
      }
    }
    return out;
  }

  /** Whether adding `member` to `group` would create a cycle (`group` is `member` or already inside it). */
  wouldCycle(group: SubjectRef, member: SubjectRef): boolean {
    if (group === member) return true;
    return this.closure(group).byGroup.has(member);
  }

  /** Every subject that appears in a membership (groups and members). */
  subjects(): Set<SubjectRef> {
    return new Set([...this.#groupsOf.keys(), ...this.#membersOf.keys()]);
  }

  /** Drops the cached closures of `subject` and of every subject below it. */
  invalidate(subject: SubjectRef): void {
    if (this.#closures.size === 0) return; // nothing cached (e.g. while loading a snapshot)
    this.#closures.delete(subject);
    for (const below of this.membersClosure(subject)) this.#closures.delete(below);
  }
}
