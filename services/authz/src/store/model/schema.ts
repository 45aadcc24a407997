import type { ColumnType, Generated } from 'kysely';

/** jsonb: read as the parsed value, written as JSON text. */
type Json<T> = ColumnType<T, string, string>;
type CreatedAt = ColumnType<Date, Date | undefined, never>;

export type RolesTable = {
  name: string;
  description: string | null;
  permissions: Json<string[]>;
  includes: Json<string[]>;
  built_in: ColumnType<boolean, boolean | undefined, boolean>;
  created_at: CreatedAt;
  updated_at: ColumnType<Date, Date | undefined, Date>;
};

export type AssignmentsTable = {
  id: string;
  subject: string;
  role: string;
  scope: string | null;
  condition: string | null;
  created_at: CreatedAt;
};

export type GrantsTable = {
  id: string;
  subject: string;
  permission: string;
  resource: string;
  condition: string | null;
  created_at: CreatedAt;
};

export type GroupsTable = {
  id: string;
  name: string;
  description: string | null;
  created_at: CreatedAt;
};

export type MembershipsTable = {
  group_id: string;
  member: string;
  created_at: CreatedAt;
};

export type ResourceParentsTable = {
  resource: string;
  parent: string;
  updated_at: ColumnType<Date, Date | undefined, Date>;
};

export type AuthzChangesTable = {
  /** int8: a JS number (safe integers; service-kit's type parser). */
  revision: Generated<number>;
  change: Json<unknown>;
  at: CreatedAt;
};

export type AuthzChangeLogStateTable = {
  id: ColumnType<boolean, boolean | undefined, never>;
  /** int8: the newest revision deleted from the log (0: none). */
  pruned_through: number;
};

export type AuthzDatabase = {
  roles: RolesTable;
  assignments: AssignmentsTable;
  grants: GrantsTable;
  groups: GroupsTable;
  memberships: MembershipsTable;
  resource_parents: ResourceParentsTable;
  authz_changes: AuthzChangesTable;
  authz_change_log_state: AuthzChangeLogStateTable;
};
