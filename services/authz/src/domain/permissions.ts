/**
 * Syntax of permissions, subjects and resources (authz.md "Model"), and permission matching.
 *
 * - A permission is `<resource_type>:<action>`; a granted permission may be a wildcard: `<type>:*`
 *   (every action on that type) or `*` (everything). Matching is "the granted pattern covers the
 *   requested permission": `documents:read` is covered by `documents:read`, `documents:*` and `*`.
 *   A requested wildcard is taken literally: `documents:*` is covered only by `documents:*` and `*`
 *   (holding every concrete action one by one does not add up to the wildcard). Case-sensitive.
 * - A subject is `user:<id>`, `client:<id>` or `group:<id>`; a resource is `<type>:<id>`.
 *
 * Decisions (not in the spec): types are lower-case (`[a-z][a-z0-9_-]*`, ≤ 64 chars); actions are
 * `[A-Za-z0-9][A-Za-z0-9_.-]*` (≤ 64 chars); ids are 1–200 chars of `[A-Za-z0-9._~@+=-]` — no `:`,
 * `/`, `*`, spaces or control characters, so a reference splits unambiguously on its one `:` and is
 * safe in a URL path segment.
 */

const TYPE = '[a-z][a-z0-9_-]{0,63}';
const ACTION = '[A-Za-z0-9][A-Za-z0-9_.-]{0,63}';
const ID = '[A-Za-z0-9._~@+=-]{1,200}';

const PERMISSION_RE = new RegExp(`^${TYPE}:${ACTION}$`);
const TYPE_WILDCARD_RE = new RegExp(`^${TYPE}:\\*$`);
const REF_RE = new RegExp(`^(${TYPE}):(${ID})$`);
const TYPE_RE = new RegExp(`^${TYPE}$`);

export const SUBJECT_TYPES = ['user', 'client', 'group'] as const;
export type SubjectType = (typeof SUBJECT_TYPES)[number];

export interface ParsedRef {
  type: string;
  id: string;
}

export interface ParsedSubject {
  type: SubjectType;
  id: string;
}

export interface PermissionSyntaxOptions {
  /** Accept `<type>:*` and `*` (true for role permissions, grants and checks). Default true. */
  allowWildcard?: boolean;
}

/** Whether `permission` is a well-formed permission (optionally a wildcard). */
export function isValidPermission(permission: unknown, options: PermissionSyntaxOptions = {}): boolean {
  if (typeof permission !== 'string') return false;
  if (PERMISSION_RE.test(permission)) return true;
  if (options.allowWildcard === false) return false;
  return permission === '*' || TYPE_WILDCARD_RE.test(permission);
}

/** Whether `type` is a well-formed resource type (as used by lookupResources). */
export function isValidResourceType(type: unknown): boolean {
  return typeof type === 'string' && TYPE_RE.test(type);
}

/** `{ type, id }` of a well-formed `type:id` resource reference, or null. */
export function parseResource(ref: unknown): ParsedRef | null {
  if (typeof ref !== 'string') return null;
  const m = REF_RE.exec(ref);
  if (m === null) return null;
  return { type: m[1] as string, id: m[2] as string };
}

/** `{ type, id }` of a well-formed subject (`user:`, `client:` or `group:`), or null. */
export function parseSubject(ref: unknown): ParsedSubject | null {
  const parsed = parseResource(ref);
  if (parsed === null) return null;
  if (parsed.type !== 'user' && parsed.type !== 'client' && parsed.type !== 'group') return null;
  return { type: parsed.type, id: parsed.id };
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The one spelling of a subject that the model stores and checks: the id of a `user:` or `client:`
 * subject is lower-cased when it is a UUID (identity's user ids are lowercase UUIDv7s; `0193A5E2-…` and
 * `0193a5e2-…` are the same user, and erasure removes `user:<lowercase uuid>`). Other ids are kept as
 * written: client ids may be arbitrary strings and group ids are chosen by the admin, both
 * case-sensitive. Applied at every boundary that takes a subject (routes and event handlers).
 */
export function canonicalSubject(subject: string): string {
  const i = subject.indexOf(':');
  if (i < 0) return subject;
  const type = subject.slice(0, i);
  const id = subject.slice(i + 1);
  if ((type === 'user' || type === 'client') && UUID_RE.test(id)) return `${type}:${id.toLowerCase()}`;
  return subject;
}

/** The subject of the user with this id (identity events carry the bare id). */
export function userSubject(userId: string): string {
  return canonicalSubject(`user:${userId}`);
}

export function isValidSubject(ref: unknown): boolean {
  return parseSubject(ref) !== null;
}

export function isValidResource(ref: unknown): boolean {
  return parseResource(ref) !== null;
}

export function isGroup(subject: string): boolean {
  return subject.startsWith('group:');
}

/** The type part of a reference or permission (`documents` of `documents:read`); '' for `*`. */
export function typeOf(ref: string): string {
  const i = ref.indexOf(':');
  return i < 0 ? '' : ref.slice(0, i);
}

/** Whether the granted permission pattern `granted` covers the requested permission `requested`. */
export function permissionCovers(granted: string, requested: string): boolean {
  if (granted === '*' || granted === requested) return true;
  if (!granted.endsWith(':*')) return false;
  // `documents:*` covers `documents:<anything>` (including `documents:*` itself, handled above).
  return requested.length > granted.length - 1 && requested.startsWith(granted.slice(0, -1));
}

/**
 * A set of granted permission patterns compiled for O(1) matching: `*`, per-type wildcards and exact
 * permissions. Immutable once built.
 */
export class PermissionSet {
  readonly all: boolean;
  readonly typeWildcards: ReadonlySet<string>;
  readonly exact: ReadonlySet<string>;
  readonly size: number;

  constructor(patterns: Iterable<string>) {
    let all = false;
    const types = new Set<string>();
    const exact = new Set<string>();
    for (const p of patterns) {
      if (p === '*') all = true;
      else if (p.endsWith(':*')) types.add(p.slice(0, -2));
      else exact.add(p);
    }
    this.all = all;
    this.typeWildcards = types;
    this.exact = exact;
    this.size = (all ? 1 : 0) + types.size + exact.size;
  }

  /** Whether some pattern of the set covers `requested`. */
  covers(requested: string): boolean {
    if (this.all || this.exact.has(requested)) return true;
    if (this.typeWildcards.size === 0) return false;
    const i = requested.indexOf(':');
    return i > 0 && this.typeWildcards.has(requested.slice(0, i));
  }

  /** The patterns, sorted. */
  toArray(): string[] {
    const out = [...this.exact, ...[...this.typeWildcards].map((t) => `${t}:*`)];
    if (this.all) out.push('*');
    return out.sort();
  }
}
