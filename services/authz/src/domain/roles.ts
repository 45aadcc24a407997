/**
 * Roles and their flattened permissions: a role has its own permissions plus those of the roles it
 * includes, transitively. Flattened sets are computed on first use and dropped on any role change
 * (roles are few and change rarely; checks are many). Unknown (deleted, not yet created) roles
 * contribute nothing; include cycles — refused at write time, but possible through racing writers —
 * are tolerated (each role is visited once).
 */
import type { Role } from './model.ts';
import { PermissionSet, permissionCovers } from './permissions.ts';

function frozenRole(name: string, permissions: string[]): Role {
  Object.freeze(permissions);
  const includes: string[] = [];
  Object.freeze(includes);
  return Object.freeze({ name, permissions, includes, builtIn: true });
}

/** Built-in roles the index always has, whatever the store or the change log say (authz.md). */
export const BUILT_IN_ROLES: Readonly<Record<string, Role>> = Object.freeze({
  'platform-admin': frozenRole('platform-admin', ['*']),
});

export function isBuiltInRole(name: string): boolean {
  return Object.hasOwn(BUILT_IN_ROLES, name);
}

/** How a role came to cover a permission: `through` is the include chain from the role to the holder. */
export interface RoleMatch {
  role: string;
  /** Whether the role exists (an assignment of an unknown role gives nothing). */
  exists: boolean;
  matched: boolean;
  /** The granted pattern that covers the permission (`documents:*`), when matched. */
  matchedBy: string | null;
  /** Roles from the assigned one to the one that holds `matchedBy` (`['editor', 'viewer']`). */
  through: string[];
}

export class RoleRegistry {
  readonly #roles = new Map<string, Role>();
  readonly #flat = new Map<string, PermissionSet>();

  constructor() {
    for (const role of Object.values(BUILT_IN_ROLES)) this.#roles.set(role.name, role);
  }

  get size(): number {
    return this.#roles.size;
  }

  get(name: string): Role | undefined {
    return this.#roles.get(name);
  }

  /** Creates or replaces a role; built-in roles are never replaced. */
  upsert(role: Role): void {
    if (isBuiltInRole(role.name)) return;
    this.#roles.set(role.name, {
      name: role.name,
      permissions: [...role.permissions],
      includes: [...role.includes],
      builtIn: false,
    });
    this.#flat.clear();
  }

  /** Deletes a role (built-in roles stay). Returns whether something changed. */
  delete(name: string): boolean {
    if (isBuiltInRole(name) || !this.#roles.delete(name)) return false;
    this.#flat.clear();
    return true;
  }

  /** The role's flattened permissions, or undefined for an unknown role. */
  flat(name: string): PermissionSet | undefined {
    const hit = this.#flat.get(name);
    if (hit !== undefined) return hit;
    if (!this.#roles.has(name)) return undefined;
    const patterns: string[] = [];
    const seen = new Set<string>();
    const stack = [name];
    while (stack.length > 0) {
      const current = this.#roles.get(stack.pop() as string);
      if (current === undefined || seen.has(current.name)) continue;
      seen.add(current.name);
      patterns.push(...current.permissions);
      for (const included of current.includes) if (!seen.has(included)) stack.push(included);
    }
    const set = new PermissionSet(patterns);
    this.#flat.set(name, set);
    return set;
  }

  /** Whether role `name` (with its includes) covers `permission`; false for an unknown role. */
  covers(name: string, permission: string): boolean {
    const set = this.flat(name);
    return set?.covers(permission) === true;
  }

  /** Which pattern of which (included) role covers `permission`, depth-first in declaration order. */
  match(name: string, permission: string): RoleMatch {
    const root = this.#roles.get(name);
    if (root === undefined)
      return { role: name, exists: false, matched: false, matchedBy: null, through: [] };
    const seen = new Set<string>();
    const search = (role: Role, path: string[]): RoleMatch | null => {
      seen.add(role.name);
      const here = [...path, role.name];
      for (const p of role.permissions)
        if (permissionCovers(p, permission))
          return { role: name, exists: true, matched: true, matchedBy: p, through: here };
      for (const included of role.includes) {
        const next = this.#roles.get(included);
        if (next === undefined || seen.has(included)) continue;
        const found = search(next, here);
        if (found !== null) return found;
      }
      return null;
    };
    return search(root, []) ?? { role: name, exists: true, matched: false, matchedBy: null, through: [] };
  }

  /**
   * Whether giving role `name` the includes `includes` would create a cycle (including a role that
   * includes `name`, directly or transitively, or `name` itself). Unknown included roles cannot close
   * a cycle.
   */
  includesWouldCycle(name: string, includes: readonly string[]): boolean {
    const seen = new Set<string>();
    const stack = [...includes];
    while (stack.length > 0) {
      const current = stack.pop() as string;
      if (current === name) return true;
      if (seen.has(current)) continue;
      seen.add(current);
      const role = this.#roles.get(current);
      if (role !== undefined) stack.push(...role.includes);
    }
    return false;
  }

  /** All roles, sorted by name. */
  list(): Role[] {
    return [...this.#roles.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}
