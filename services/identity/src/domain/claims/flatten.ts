/**
 * Pure rules of the claims projection: built-in roles and flattening role permissions through
 * `includes` (transitively, cycles tolerated).
 */

/** authz.md "Platform permissions": built-in roles, whatever the events say. */
export const BUILTIN_ROLES: Readonly<Record<string, readonly string[]>> = Object.freeze({
  'platform-admin': Object.freeze(['*']),
});

export interface RoleDefinition {
  permissions: readonly string[];
  includes: readonly string[];
}

/**
 * The sorted, de-duplicated permissions of `roles`, following `includes`; unknown (not yet seen or
 * deleted) roles contribute nothing.
 */
export function flattenPermissions(
  roles: Iterable<string>,
  definitions: ReadonlyMap<string, RoleDefinition>,
): string[] {
  const seen = new Set<string>();
  const permissions = new Set<string>();
  const stack = [...roles];
  while (stack.length > 0) {
    const name = stack.pop() as string;
    if (seen.has(name)) continue;
    seen.add(name);
    const builtin = BUILTIN_ROLES[name];
    if (builtin !== undefined) {
      for (const p of builtin) permissions.add(p);
      continue;
    }
    const definition = definitions.get(name);
    if (definition === undefined) continue;
    for (const p of definition.permissions) permissions.add(p);
    for (const included of definition.includes) if (!seen.has(included)) stack.push(included);
  }
  return [...permissions].sort();
}
