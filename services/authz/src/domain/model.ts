/**
 * The authorization model (spec: authz.md, "Model"): the shapes the in-memory decision index is built
 * from and the changes that keep it current. Pure data, no I/O. The store persists exactly these
 * shapes and every write appends one or more `AuthzChange`s to the change log that other instances
 * replay, so every instance's index converges on Postgres.
 *
 * Subjects and resources are written `type:id` (`user:0193…`, `client:billing`, `group:eng`,
 * `project:42`). A permission is `<resource_type>:<action>`; `documents:*` and `*` are wildcards.
 */

/** `user:<id>`, `client:<id>` or `group:<id>`. */
export type SubjectRef = string;
/** `<type>:<id>`, e.g. `project:42`. */
export type ResourceRef = string;

/** A condition (ABAC) in the condition language (CEL), evaluated against the check's context. */
export type ConditionExpression = string;

export interface Role {
  name: string;
  permissions: string[];
  /** Names of roles whose permissions this role also has (no cycles). */
  includes: string[];
  /** Built-in roles (`platform-admin`) cannot be changed or deleted through the API. */
  builtIn?: boolean | undefined;
}

/** A role given to a subject, globally (`scope` null) or on a resource and its descendants. */
export interface Assignment {
  id: string;
  subject: SubjectRef;
  role: string;
  scope: ResourceRef | null;
  condition: ConditionExpression | null;
}

/** One permission on one resource (and its descendants) for a subject. */
export interface Grant {
  id: string;
  subject: SubjectRef;
  permission: string;
  resource: ResourceRef;
  condition: ConditionExpression | null;
}

/** `member` (any subject, including another group) belongs to `group` (`group:<id>`). No cycles. */
export interface Membership {
  group: SubjectRef;
  member: SubjectRef;
}

/** `resource`'s parent; a role or grant on the parent applies to the resource. No cycles. */
export interface ResourceParent {
  resource: ResourceRef;
  parent: ResourceRef;
}

/** Everything the index holds; loaded from Postgres at start. */
export interface AuthzSnapshot {
  roles: Role[];
  assignments: Assignment[];
  grants: Grant[];
  memberships: Membership[];
  parents: ResourceParent[];
}

/** One change to the model, as stored in the change log and applied to every instance's index. */
export type AuthzChange =
  | { kind: 'role.upserted'; role: Role }
  | { kind: 'role.deleted'; name: string }
  | { kind: 'assignment.added'; assignment: Assignment }
  | { kind: 'assignment.removed'; id: string }
  | { kind: 'grant.added'; grant: Grant }
  | { kind: 'grant.removed'; id: string }
  | { kind: 'membership.added'; membership: Membership }
  | { kind: 'membership.removed'; membership: Membership }
  | { kind: 'parent.set'; resource: ResourceRef; parent: ResourceRef | null }
  /** Removes every assignment, grant and membership of the subject (erasure, group deletion). */
  | { kind: 'subject.removed'; subject: SubjectRef };

/** Request context for conditions (`ip`, `mfa`, anything the caller passes), plus the time of the check. */
export type CheckContext = Record<string, unknown>;

export interface CheckRequest {
  subject: SubjectRef;
  permission: string;
  /** Omitted: a global check (only global assignments count). */
  resource?: ResourceRef | undefined;
  context?: CheckContext | undefined;
  /** The time conditions see; defaults to now. */
  now?: Date | undefined;
}

export interface Decision {
  allowed: boolean;
  /**
   * What allowed it, for people and logs: e.g. `role:editor on project:42 via group:eng`,
   * `grant:<id>`, `role:platform-admin (global)`; null when denied.
   */
  reason: string | null;
  /**
   * Why a denial: no assignment or grant covers the request (`no_matching_role_or_grant`), or some
   * would have but none's condition held (`condition_not_met`). Absent when allowed.
   */
  denial?: DenialReason | undefined;
}

export type DenialReason = 'no_matching_role_or_grant' | 'condition_not_met';
