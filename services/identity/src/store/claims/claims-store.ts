/**
 * Writes and reads of the claims projection. Every write is an upsert that only takes effect when
 * the incoming order key `(seq, event_id)` is greater than the stored one (`domain/claims/ordering.ts`),
 * in one statement, so concurrent handlers converge too.
 */
import { type Kysely, sql } from 'kysely';
import { flattenPermissions, type RoleDefinition } from '../../domain/claims/flatten.ts';
import type { OrderKey } from '../../domain/claims/ordering.ts';
import type { ClaimsDatabase } from './schema.ts';

export interface Claims {
  /** Global roles of the user, directly or through groups (nested too), sorted. */
  roles: string[];
  /** Their permissions, flattened through `includes`, sorted. */
  permissions: string[];
}

const newer = (table: string) =>
  sql<boolean>`(${sql.ref(`${table}.seq`)}, ${sql.ref(`${table}.event_id`)}) < (excluded.seq, excluded.event_id)`;

export function claimsStore(db: Kysely<ClaimsDatabase>) {
  return {
    /** role.created / role.updated (data = the role as it is now) and role.deleted (`role` undefined). */
    async setRole(
      name: string,
      role: { permissions: string[]; includes: string[] } | undefined,
      key: OrderKey,
      time: Date,
    ): Promise<void> {
      await db
        .insertInto('claims_roles')
        .values({
          name,
          permissions: JSON.stringify(role?.permissions ?? []),
          includes: JSON.stringify(role?.includes ?? []),
          active: role !== undefined,
          deleted_at: role === undefined ? time : null,
          seq: key.seq,
          event_id: key.eventId,
        })
        .onConflict((oc) =>
          oc
            .column('name')
            .doUpdateSet({
              permissions: sql`excluded.permissions`,
              includes: sql`excluded.includes`,
              active: sql`excluded.active`,
              // Deletions are remembered whatever their order, as the newest deletion time.
              deleted_at: sql`greatest(claims_roles.deleted_at, excluded.deleted_at)`,
              seq: sql`excluded.seq`,
              event_id: sql`excluded.event_id`,
            })
            .where(newer('claims_roles')),
        )
        .execute();
      if (role === undefined) {
        // A late deletion (lower key) still records its time, which hides older assignments.
        await db
          .updateTable('claims_roles')
          .set({ deleted_at: sql`greatest(deleted_at, ${time})` })
          .where('name', '=', name)
          .execute();
      }
    },

    async setAssignment(
      a: { subject: string; role: string; scope: string; active: boolean },
      key: OrderKey,
      time: Date,
    ): Promise<void> {
      await db
        .insertInto('claims_assignments')
        .values({ ...a, changed_at: time, seq: key.seq, event_id: key.eventId })
        .onConflict((oc) =>
          oc
            .columns(['subject', 'role', 'scope'])
            .doUpdateSet({
              active: sql`excluded.active`,
              changed_at: sql`excluded.changed_at`,
              seq: sql`excluded.seq`,
              event_id: sql`excluded.event_id`,
            })
            .where(newer('claims_assignments')),
        )
        .execute();
    },

    async setMembership(
      m: { groupId: string; member: string; active: boolean },
      key: OrderKey,
    ): Promise<void> {
      await db
        .insertInto('claims_memberships')
        .values({
          group_id: m.groupId,
          member: m.member,
          active: m.active,
          seq: key.seq,
          event_id: key.eventId,
        })
        .onConflict((oc) =>
          oc
            .columns(['group_id', 'member'])
            .doUpdateSet({
              active: sql`excluded.active`,
              seq: sql`excluded.seq`,
              event_id: sql`excluded.event_id`,
            })
            .where(newer('claims_memberships')),
        )
        .execute();
    },

    /** Erasure: forgets the subject's assignments and memberships; returns how many rows went. */
    async forgetSubject(subject: string): Promise<{ assignments: number; memberships: number }> {
      const a = await db.deleteFrom('claims_assignments').where('subject', '=', subject).executeTakeFirst();
      const m = await db.deleteFrom('claims_memberships').where('member', '=', subject).executeTakeFirst();
      return { assignments: Number(a.numDeletedRows), memberships: Number(m.numDeletedRows) };
    },

    /** The global roles and flattened permissions of an authz subject (`user:<id>`, `client:<id>`). */
    async claimsOf(subject: string): Promise<Claims> {
      // In one statement: the groups of the subject, nested groups included (`union`
      // de-duplicates, so cycles end), and the global assignments of the subject and its groups
      // whose role was not deleted after the assignment.
      const assigned = await sql<{ role: string }>`
        with recursive g(group_id) as (
          select group_id from claims_memberships where member = ${subject} and active
          union
          select m.group_id from claims_memberships m join g on m.member = 'group:' || g.group_id
          where m.active
        ), subjects(subject) as (
          select ${subject}::text
          union all
          select 'group:' || group_id from g
        )
        select a.role
        from claims_assignments a
        left join claims_roles r on r.name = a.role
        where a.subject in (select subject from subjects)
          and a.scope = ''
          and a.active = true
          and (r.deleted_at is null or r.deleted_at < a.changed_at)
          and (r.active is null or r.active = true)`
        .execute(db)
        .then((result) => result.rows);
      const roles = [...new Set(assigned.map((r) => r.role))].sort();
      const definitions = await roleDefinitions(db, roles);
      return { roles, permissions: flattenPermissions(roles, definitions) };
    },
  };
}

/** Active role definitions reachable from `roles` through `includes`. */
async function roleDefinitions(
  db: Kysely<ClaimsDatabase>,
  roles: string[],
): Promise<Map<string, RoleDefinition>> {
  const definitions = new Map<string, RoleDefinition>();
  const queried = new Set<string>(roles);
  let pending = roles;
  while (pending.length > 0) {
    const rows = await db
      .selectFrom('claims_roles')
      .select(['name', 'permissions', 'includes'])
      .where('name', 'in', pending)
      .where('active', '=', true)
      .execute();
    for (const row of rows)
      definitions.set(row.name, { permissions: row.permissions, includes: row.includes });
    pending = [...new Set(rows.flatMap((r) => r.includes))].filter((n) => !queried.has(n));
    for (const n of pending) queried.add(n);
  }
  return definitions;
}

/** The roles and permissions claims of a user's access tokens (login, refresh). */
export async function claimsFor<DB>(db: Kysely<DB>, userId: string): Promise<Claims> {
  // Any kysely handle (or transaction) on the service schema: the claims tables are in it.
  return claimsStore(db as unknown as Kysely<ClaimsDatabase>).claimsOf(`user:${userId}`);
}

export type ClaimsStore = ReturnType<typeof claimsStore>;
