import type { ColumnType, Generated } from 'kysely';

type Json<T> = ColumnType<T, string, string>;
/** `numeric` comes back from pg as a string. */
type Numeric = ColumnType<string, string, string>;

export type ClaimsRolesTable = {
  name: string;
  permissions: Json<string[]>;
  includes: Json<string[]>;
  /** false: deleted (tombstone). */
  active: boolean;
  /** Time of the newest deletion seen; assignments older than it do not count. */
  deleted_at: Date | null;
  seq: Numeric;
  event_id: string;
};

export type ClaimsAssignmentsTable = {
  /** AuthzSubject: `user:<id>`, `group:<id>`, `client:<id>`. */
  subject: string;
  role: string;
  /** '' for a global assignment, else the resource. */
  scope: string;
  active: boolean;
  /** Time of the event that set the row. */
  changed_at: Date;
  seq: Numeric;
  event_id: string;
};

export type ClaimsMembershipsTable = {
  group_id: string;
  /** AuthzSubject of the member (`user:…`, `client:…`, `group:…` for nested groups). */
  member: string;
  active: boolean;
  seq: Numeric;
  event_id: string;
};

export type UserLocksTable = {
  user_id: string;
  reason: 'too_many_failed_logins' | 'security_detection' | 'admin';
  /** null: until unlocked. */
  locked_until: Date | null;
  detection_id: string | null;
  created_at: Generated<Date>;
};

export type ClaimsDatabase = {
  claims_roles: ClaimsRolesTable;
  claims_assignments: ClaimsAssignmentsTable;
  claims_memberships: ClaimsMembershipsTable;
  user_locks: UserLocksTable;
};
