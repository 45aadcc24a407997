/**
 * No privilege escalation through the admin API: a caller cannot confer a platform permission (the
 * services' own admin permissions, spec authz.md "Platform permissions", and `*`) that its own token
 * does not carry. Global roles reach access tokens, so without this rule anyone with `roles:write`
 * could make themselves `platform-admin`. Application permissions (`documents:read`) are not
 * limited: applications manage their own resources' permissions without holding them.
 * Changes made by the service itself (event handlers, `system`) are not checked.
 */
import { ProblemError, permissionCovers } from '@authplatform/service-kit';

/** Resource types of the platform's own admin permissions. */
export const PLATFORM_PERMISSION_TYPES: ReadonlySet<string> = new Set([
  'users',
  'clients',
  'keys',
  'roles',
  'grants',
  'authz',
  'notifications',
  'templates',
  'webhooks',
  'audit',
  'compliance',
]);

export function isPlatformPermission(permission: string): boolean {
  if (permission === '*') return true;
  const type = permission.slice(0, permission.indexOf(':'));
  return PLATFORM_PERMISSION_TYPES.has(type);
}

/** What the caller's token grants (its `permissions` claim); undefined for the service itself. */
export interface Caller {
  permissions: readonly string[];
}

/** Throws 403 `privilege_escalation` when `conferred` holds a platform permission the caller lacks. */
export function requireCanConfer(
  caller: Caller | undefined,
  conferred: Iterable<string>,
  what: string,
): void {
  if (caller === undefined) return;
  const missing = [...new Set(conferred)]
    .filter(isPlatformPermission)
    .filter((p) => !caller.permissions.some((held) => permissionCovers(held, p)))
    .sort();
  if (missing.length === 0) return;
  throw new ProblemError({
    code: 'privilege_escalation',
    status: 403,
    title: 'Forbidden',
    detail: `${what} would give ${missing.join(', ')}, which your access token does not carry.`,
    extensions: { missing_permissions: missing },
  });
}
