/**
 * The resource hierarchy (`document:9` → `folder:3` → `project:42`) and the resources the index knows:
 * every assignment scope, grant resource and both ends of every parent link. Each known resource is one
 * node holding its parent (a direct reference), its children and the assignments and grants on it, so
 * a check walks up the chain by following references — one map look-up for the requested resource,
 * none per ancestor. A node is counted by reference and forgotten when nothing mentions it any more.
 *
 * Ancestor walks stop after `maxDepth` links (default 64): chains that long are not expected, and a
 * cycle — refused at write time, possible only through racing writers — cannot loop forever. H2 can
 * refuse writes that would make a chain deeper with `wouldExceedDepth`.
 */
import { getOrCreate } from './collections.ts';
import type { Assignment, Grant, ResourceRef, SubjectRef } from './model.ts';
import { typeOf } from './permissions.ts';

export const DEFAULT_MAX_RESOURCE_DEPTH = 64;

export interface ResourceNode {
  readonly ref: ResourceRef;
  parent: ResourceNode | undefined;
  children: Set<ResourceNode> | undefined;
  /** Assignments scoped to this resource, by holding subject. */
  assignments: Map<SubjectRef, Assignment[]> | undefined;
  /** Grants on this resource, by holding subject. */
  grants: Map<SubjectRef, Grant[]> | undefined;
  /** How many assignments, grants and parent links mention this resource. */
  refs: number;
}

export class ResourceTree {
  readonly maxDepth: number;
  readonly #nodes = new Map<ResourceRef, ResourceNode>();
  readonly #byType = new Map<string, Set<ResourceRef>>();
  /** Sorted copies of #byType sets, dropped when the type's set changes. */
  readonly #sortedByType = new Map<string, readonly ResourceRef[]>();
  #links = 0;

  constructor(maxDepth = DEFAULT_MAX_RESOURCE_DEPTH) {
    this.maxDepth = maxDepth;
  }

  get links(): number {
    return this.#links;
  }

  get knownCount(): number {
    return this.#nodes.size;
  }

  node(resource: ResourceRef): ResourceNode | undefined {
    return this.#nodes.get(resource);
  }

  parentOf(resource: ResourceRef): ResourceRef | undefined {
    return this.#nodes.get(resource)?.parent?.ref;
  }

  /** Sets (or with null clears) the parent of `resource`; returns whether something changed. */
  setParent(resource: ResourceRef, parent: ResourceRef | null): boolean {
    const current = this.#nodes.get(resource);
    const old = current?.parent;
    if (old?.ref === (parent ?? undefined)) return false;
    if (current !== undefined && old !== undefined) {
      current.parent = undefined;
      old.children?.delete(current);
      if (old.children?.size === 0) old.children = undefined;
      this.#links--;
      this.release(resource);
      this.release(old.ref);
    }
    if (parent !== null) {
      const child = this.retain(resource);
      const up = this.retain(parent);
      child.parent = up;
      up.children ??= new Set();
      up.children.add(child);
      this.#links++;
    }
    return true;
  }

  /** `resource` followed by its ancestors, nearest first (at most maxDepth ancestors, no repeats). */
  chainOf(resource: ResourceRef): ResourceRef[] {
    const chain = [resource];
    let current = this.#nodes.get(resource)?.parent;
    for (let depth = 0; current !== undefined && depth < this.maxDepth; depth++) {
      if (chain.includes(current.ref)) break; // a cycle (racing writers): stop at the repeat
      chain.push(current.ref);
      current = current.parent;
    }
    return chain;
  }

  /** Whether making `parent` the parent of `resource` would create a cycle. */
  wouldCycle(resource: ResourceRef, parent: ResourceRef): boolean {
    if (resource === parent) return true;
    return this.chainOf(parent).includes(resource);
  }

  /** Whether making `parent` the parent of `resource` would make some chain longer than maxDepth. */
  wouldExceedDepth(resource: ResourceRef, parent: ResourceRef): boolean {
    const above = this.chainOf(parent).length; // parent and its ancestors
    let below = 0; // longest downward path from resource
    const start = this.#nodes.get(resource);
    let level: ResourceNode[] = start === undefined ? [] : [start];
    const seen = new Set<ResourceNode>(level);
    while (level.length > 0 && above + below <= this.maxDepth) {
      const next: ResourceNode[] = [];
      for (const n of level)
        for (const child of n.children ?? [])
          if (!seen.has(child)) {
            seen.add(child);
            next.push(child);
          }
      if (next.length === 0) break;
      below++;
      level = next;
    }
    return above + below > this.maxDepth;
  }

  /** `roots` and all their descendants. */
  descendantsOf(roots: Iterable<ResourceRef>): Set<ResourceRef> {
    const out = new Set<ResourceRef>();
    const stack: ResourceRef[] = [...roots];
    while (stack.length > 0) {
      const r = stack.pop() as ResourceRef;
      if (out.has(r)) continue;
      out.add(r);
      for (const c of this.#nodes.get(r)?.children ?? []) if (!out.has(c.ref)) stack.push(c.ref);
    }
    return out;
  }

  /** Known resources of a type (live view; copy before mutating the tree). */
  knownOfType(type: string): ReadonlySet<ResourceRef> {
    return this.#byType.get(type) ?? new Set();
  }

  /** Known resources of a type, sorted (cached until the type's resources change). */
  sortedOfType(type: string): readonly ResourceRef[] {
    let sorted = this.#sortedByType.get(type);
    if (sorted === undefined) {
      sorted = Object.freeze([...this.knownOfType(type)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
      if (sorted.length > 0) this.#sortedByType.set(type, sorted);
    }
    return sorted;
  }

  isKnown(resource: ResourceRef): boolean {
    return this.#nodes.has(resource);
  }

  /** One more thing mentions `resource`; returns its node. */
  retain(resource: ResourceRef): ResourceNode {
    const existing = this.#nodes.get(resource);
    if (existing !== undefined) {
      existing.refs++;
      return existing;
    }
    const node: ResourceNode = {
      ref: resource,
      parent: undefined,
      children: undefined,
      assignments: undefined,
      grants: undefined,
      refs: 1,
    };
    this.#nodes.set(resource, node);
    const type = typeOf(resource);
    getOrCreate(this.#byType, type, () => new Set<ResourceRef>()).add(resource);
    this.#sortedByType.delete(type);
    return node;
  }

  /** One thing fewer mentions `resource`; the node goes when nothing does. */
  release(resource: ResourceRef): void {
    const node = this.#nodes.get(resource);
    if (node === undefined) return;
    if (--node.refs > 0) return;
    this.#nodes.delete(resource);
    const type = typeOf(resource);
    const set = this.#byType.get(type);
    set?.delete(resource);
    if (set?.size === 0) this.#byType.delete(type);
    this.#sortedByType.delete(type);
  }
}
