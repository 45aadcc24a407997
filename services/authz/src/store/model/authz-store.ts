/**
 * Queries of the authorization model's tables. Writes are only ever made inside a write transaction
 * that holds the writers' lock (see changes.ts); decisions never read these tables (they use the
 * in-memory index), only writes, listings and the index's snapshot do.
 */
import { type Kysely, sql } from 'kysely';
import type {
  Assignment,
  AuthzSnapshot,
  Grant,
  Membership,
  ResourceParent,
  Role,
} from '../../domain/model.ts';
import type { AuthzDatabase } from './schema.ts';

export type AuthzDb = Kysely<AuthzDatabase>;

export interface RoleRow extends Role {
  description: string | null;
  builtIn: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export interface AssignmentRow extends Assignment {
  createdAt: Date;
}

export interface GrantRow extends Grant {
  createdAt: Date;
}

export interface GroupRow {
  id: string;
  name: string;
  description: string | null;
  createdAt: Date;
}

export interface MembershipRow extends Membership {
  createdAt: Date;
}

export interface ParentRow extends ResourceParent {
  updatedAt: Date;
}

const toRole = (r: {
  name: string;
  description: string | null;
  permissions: string[];
  includes: string[];
  built_in: boolean;
  created_at: Date;
  updated_at: Date;
}): RoleRow => ({
  name: r.name,
  description: r.description,
  permissions: r.permissions,
  includes: r.includes,
  builtIn: r.built_in,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const toAssignment = (r: {
  id: string;
  subject: string;
  role: string;
  scope: string | null;
  condition: string | null;
  created_at: Date;
}): AssignmentRow => ({
  id: r.id,
  subject: r.subject,
  role: r.role,
  scope: r.scope,
  condition: r.condition,
  createdAt: r.created_at,
});

const toGrant = (r: {
  id: string;
  subject: string;
  permission: string;
  resource: string;
  condition: string | null;
  created_at: Date;
}): GrantRow => ({
  id: r.id,
  subject: r.subject,
  permission: r.permission,
  resource: r.resource,
  condition: r.condition,
  createdAt: r.created_at,
});

const groupSubject = (id: string) => `group:${id}`;

/** Everything the in-memory index holds, and the change-log revision it reflects, read in one snapshot. */
export async function loadSnapshot(db: AuthzDb): Promise<{ snapshot: AuthzSnapshot; revision: number }> {
  return db
    .transaction()
    .setIsolationLevel('repeatable read')
    .setAccessMode('read only')
    .execute((trx) => readSnapshot(trx));
}

/**
 * The same read through a caller's executor, which must already see a stable state: a
 * `REPEATABLE READ` transaction, or a writer's transaction holding the writers' lock.
 */
export async function readSnapshot(trx: AuthzDb): Promise<{ snapshot: AuthzSnapshot; revision: number }> {
  // The newest change kept, or (should the log have been emptied by hand) the newest pruned one.
  const revision = await trx
    .selectFrom('authz_change_log_state')
    .select((eb) =>
      sql<number>`greatest(${eb.ref('pruned_through')}, (select max(revision) from authz_changes))`.as('max'),
    )
    .executeTakeFirst();
  const roles = await trx.selectFrom('roles').selectAll().execute();
  const assignments = await trx
    .selectFrom('assignments')
    .select(['id', 'subject', 'role', 'scope', 'condition'])
    .execute();
  const grants = await trx
    .selectFrom('grants')
    .select(['id', 'subject', 'permission', 'resource', 'condition'])
    .execute();
  const memberships = await trx.selectFrom('memberships').select(['group_id', 'member']).execute();
  const parents = await trx.selectFrom('resource_parents').select(['resource', 'parent']).execute();
  return {
    revision: Number(revision?.max ?? 0),
    snapshot: {
      roles: roles.map((r) => ({
        name: r.name,
        permissions: r.permissions,
        includes: r.includes,
        builtIn: r.built_in,
      })),
      assignments,
      grants,
      memberships: memberships.map((m) => ({ group: groupSubject(m.group_id), member: m.member })),
      parents,
    },
  };
}

export function authzStore(db: AuthzDb) {
  return {
    // Roles
    async getRole(name: string): Promise<RoleRow | undefined> {
      const row = await db.selectFrom('roles').selectAll().where('name', '=', name).executeTakeFirst();
      return row === undefined ? undefined : toRole(row);
    },
    async listRoles(after: string | undefined, limit: number): Promise<RoleRow[]> {
      let q = db.selectFrom('roles').selectAll().orderBy('name').limit(limit);
      if (after !== undefined) q = q.where('name', '>', after);
      return (await q.execute()).map(toRole);
    },
    async insertRole(role: Role & { description: string | null }): Promise<RoleRow> {
      const row = await db
        .insertInto('roles')
        .values({
          name: role.name,
          description: role.description,
          permissions: JSON.stringify(role.permissions),
          includes: JSON.stringify(role.includes),
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toRole(row);
    },
    async updateRole(role: Role & { description: string | null }): Promise<RoleRow> {
      const row = await db
        .updateTable('roles')
        .set({
          description: role.description,
          permissions: JSON.stringify(role.permissions),
          includes: JSON.stringify(role.includes),
          updated_at: new Date(),
        })
        .where('name', '=', role.name)
        .returningAll()
        .executeTakeFirstOrThrow();
      return toRole(row);
    },
    async deleteRole(name: string): Promise<void> {
      await db.deleteFrom('roles').where('name', '=', name).execute();
    },
    /** Roles whose `includes` name `name`. */
    async rolesIncluding(name: string): Promise<string[]> {
      const rows = await db
        .selectFrom('roles')
        .select('name')
        .where(sql<boolean>`includes @> ${JSON.stringify([name])}::jsonb`)
        .orderBy('name')
        .execute();
      return rows.map((r) => r.name);
    },

    // Assignments
    async findAssignment(
      subject: string,
      role: string,
      scope: string | null,
    ): Promise<AssignmentRow | undefined> {
      const row = await db
        .selectFrom('assignments')
        .selectAll()
        .where('subject', '=', subject)
        .where('role', '=', role)
        .where(sql<string>`coalesce(scope, '')`, '=', scope ?? '')
        .executeTakeFirst();
      return row === undefined ? undefined : toAssignment(row);
    },
    async insertAssignment(a: Assignment): Promise<AssignmentRow> {
      const row = await db.insertInto('assignments').values(a).returningAll().executeTakeFirstOrThrow();
      return toAssignment(row);
    },
    async deleteAssignment(id: string): Promise<void> {
      await db.deleteFrom('assignments').where('id', '=', id).execute();
    },
    async assignmentsOfSubject(
      subject: string,
      after: string | undefined,
      limit: number,
    ): Promise<AssignmentRow[]> {
      let q = db
        .selectFrom('assignments')
        .selectAll()
        .where('subject', '=', subject)
        .orderBy('id')
        .limit(limit);
      if (after !== undefined) q = q.where('id', '>', after);
      return (await q.execute()).map(toAssignment);
    },
    async assignmentsOfRole(role: string): Promise<AssignmentRow[]> {
      const rows = await db
        .selectFrom('assignments')
        .selectAll()
        .where('role', '=', role)
        .orderBy('id')
        .execute();
      return rows.map(toAssignment);
    },

    // Grants
    async getGrant(id: string): Promise<GrantRow | undefined> {
      const row = await db.selectFrom('grants').selectAll().where('id', '=', id).executeTakeFirst();
      return row === undefined ? undefined : toGrant(row);
    },
    async findGrant(subject: string, permission: string, resource: string): Promise<GrantRow | undefined> {
      const row = await db
        .selectFrom('grants')
        .selectAll()
        .where('subject', '=', subject)
        .where('permission', '=', permission)
        .where('resource', '=', resource)
        .executeTakeFirst();
      return row === undefined ? undefined : toGrant(row);
    },
    async insertGrant(g: Grant): Promise<GrantRow> {
      const row = await db.insertInto('grants').values(g).returningAll().executeTakeFirstOrThrow();
      return toGrant(row);
    },
    async deleteGrant(id: string): Promise<void> {
      await db.deleteFrom('grants').where('id', '=', id).execute();
    },
    async listGrants(
      filter: { subject?: string | undefined; resource?: string | undefined },
      after: string | undefined,
      limit: number,
    ): Promise<GrantRow[]> {
      let q = db.selectFrom('grants').selectAll().orderBy('id').limit(limit);
      if (filter.subject !== undefined) q = q.where('subject', '=', filter.subject);
      if (filter.resource !== undefined) q = q.where('resource', '=', filter.resource);
      if (after !== undefined) q = q.where('id', '>', after);
      return (await q.execute()).map(toGrant);
    },

    // Groups and memberships
    async getGroup(id: string): Promise<GroupRow | undefined> {
      const row = await db.selectFrom('groups').selectAll().where('id', '=', id).executeTakeFirst();
      return row === undefined
        ? undefined
        : { id: row.id, name: row.name, description: row.description, createdAt: row.created_at };
    },
    async insertGroup(g: { id: string; name: string; description: string | null }): Promise<GroupRow> {
      const row = await db.insertInto('groups').values(g).returningAll().executeTakeFirstOrThrow();
      return { id: row.id, name: row.name, description: row.description, createdAt: row.created_at };
    },
    async deleteGroup(id: string): Promise<void> {
      await db.deleteFrom('groups').where('id', '=', id).execute();
    },
    async listGroups(after: string | undefined, limit: number): Promise<GroupRow[]> {
      let q = db.selectFrom('groups').selectAll().orderBy('id').limit(limit);
      if (after !== undefined) q = q.where('id', '>', after);
      return (await q.execute()).map((row) => ({
        id: row.id,
        name: row.name,
        description: row.description,
        createdAt: row.created_at,
      }));
    },
    async hasMembership(groupId: string, member: string): Promise<boolean> {
      const row = await db
        .selectFrom('memberships')
        .select('member')
        .where('group_id', '=', groupId)
        .where('member', '=', member)
        .executeTakeFirst();
      return row !== undefined;
    },
    async insertMembership(groupId: string, member: string): Promise<void> {
      await db.insertInto('memberships').values({ group_id: groupId, member }).execute();
    },
    async deleteMembership(groupId: string, member: string): Promise<void> {
      await db
        .deleteFrom('memberships')
        .where('group_id', '=', groupId)
        .where('member', '=', member)
        .execute();
    },
    async membersOf(groupId: string, after: string | undefined, limit: number): Promise<MembershipRow[]> {
      let q = db
        .selectFrom('memberships')
        .selectAll()
        .where('group_id', '=', groupId)
        .orderBy('member')
        .limit(limit);
      if (after !== undefined) q = q.where('member', '>', after);
      return (await q.execute()).map((m) => ({
        group: groupSubject(m.group_id),
        member: m.member,
        createdAt: m.created_at,
      }));
    },

    // Resource parents
    async getParent(resource: string): Promise<ParentRow | undefined> {
      const row = await db
        .selectFrom('resource_parents')
        .selectAll()
        .where('resource', '=', resource)
        .executeTakeFirst();
      return row === undefined
        ? undefined
        : { resource: row.resource, parent: row.parent, updatedAt: row.updated_at };
    },
    async setParent(resource: string, parent: string | null): Promise<void> {
      if (parent === null) {
        await db.deleteFrom('resource_parents').where('resource', '=', resource).execute();
        return;
      }
      await db
        .insertInto('resource_parents')
        .values({ resource, parent })
        .onConflict((oc) => oc.column('resource').doUpdateSet({ parent, updated_at: new Date() }))
        .execute();
    },

    /** What `subject.removed` takes away: the subject's assignments, grants and memberships (both sides for a group). */
    async subjectFootprint(subject: string): Promise<{
      assignments: AssignmentRow[];
      grants: GrantRow[];
      memberships: Membership[];
    }> {
      const assignments = (
        await db.selectFrom('assignments').selectAll().where('subject', '=', subject).orderBy('id').execute()
      ).map(toAssignment);
      const grants = (
        await db.selectFrom('grants').selectAll().where('subject', '=', subject).orderBy('id').execute()
      ).map(toGrant);
      const groupId = subject.startsWith('group:') ? subject.slice('group:'.length) : undefined;
      const rows = await db
        .selectFrom('memberships')
        .select(['group_id', 'member'])
        .where((eb) =>
          groupId === undefined
            ? eb('member', '=', subject)
            : eb.or([eb('member', '=', subject), eb('group_id', '=', groupId)]),
        )
        .orderBy('group_id')
        .orderBy('member')
        .execute();
      return {
        assignments,
        grants,
        memberships: rows.map((m) => ({ group: groupSubject(m.group_id), member: m.member })),
      };
    },
    async removeSubject(subject: string): Promise<void> {
      await db.deleteFrom('assignments').where('subject', '=', subject).execute();
      await db.deleteFrom('grants').where('subject', '=', subject).execute();
      await db.deleteFrom('memberships').where('member', '=', subject).execute();
      if (subject.startsWith('group:')) {
        await db.deleteFrom('memberships').where('group_id', '=', subject.slice('group:'.length)).execute();
      }
    },
  };
}

export type AuthzStore = ReturnType<typeof authzStore>;
