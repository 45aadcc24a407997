/** Roles: create, change, delete (authz.md "Model"; built-in roles cannot be changed or deleted). */

import { ProblemError } from '@authplatform/service-kit';
import type { Role } from '../domain/model.ts';
import type { RoleRow } from '../store/model/authz-store.ts';
import type { DecisionIndex } from './decision-index.ts';
import { builtInRole, cycle, fieldProblem, notFound } from './errors.ts';
import { requireCanConfer } from './escalation.ts';
import { type Actor, callerOf, roleDeleted, roleSaved } from './published-events.ts';
import type { PlannedChange, Writer, Written } from './writer.ts';

export interface RoleInput {
  name: string;
  permissions: string[];
  includes: string[];
  description?: string | null | undefined;
}

export interface RolePatch {
  permissions?: string[] | undefined;
  includes?: string[] | undefined;
  description?: string | null | undefined;
}

const unique = (items: string[]) => [...new Set(items)];

async function checkIncludes(
  ctx: { store: { getRole(name: string): Promise<RoleRow | undefined> }; index: DecisionIndex },
  name: string,
  includes: string[],
): Promise<void> {
  for (const [i, included] of includes.entries()) {
    if (included === name) throw cycle('role_cycle', `Role ${name} cannot include itself.`);
    if ((await ctx.store.getRole(included)) === undefined) {
      throw fieldProblem(`/body/includes/${i}`, 'unknown_role', `Role ${included} does not exist.`);
    }
  }
  if (ctx.index.roleIncludesWouldCycle(name, includes)) {
    throw cycle(
      'role_cycle',
      `Including ${includes.join(', ')} in ${name} would make roles include each other.`,
    );
  }
}

export function createRoleUseCases(writer: Writer<DecisionIndex>) {
  return {
    create(input: RoleInput, actor: Actor): Promise<Written<RoleRow>> {
      return writer.write(async (ctx) => {
        if ((await ctx.store.getRole(input.name)) !== undefined) {
          throw new ProblemError({
            code: 'role_exists',
            status: 409,
            title: 'Conflict',
            detail: `Role ${input.name} already exists.`,
          });
        }
        const includes = unique(input.includes);
        await checkIncludes(ctx, input.name, includes);
        requireCanConfer(
          callerOf(actor),
          [...input.permissions, ...includes.flatMap((r) => ctx.index.rolePermissions(r) ?? [])],
          `Role ${input.name}`,
        );
        const row = await ctx.store.insertRole({
          name: input.name,
          permissions: unique(input.permissions),
          includes,
          description: input.description ?? null,
        });
        const role: Role = { name: row.name, permissions: row.permissions, includes: row.includes };
        return {
          result: row,
          changes: [{ change: { kind: 'role.upserted', role }, events: [roleSaved(role, true, actor)] }],
        };
      });
    },

    update(name: string, patch: RolePatch, actor: Actor): Promise<Written<RoleRow>> {
      return writer.write(async (ctx) => {
        const current = await ctx.store.getRole(name);
        if (current === undefined) throw notFound(`Role ${name}`);
        if (current.builtIn) throw builtInRole(name);
        const includes = patch.includes === undefined ? current.includes : unique(patch.includes);
        if (patch.includes !== undefined) await checkIncludes(ctx, name, includes);
        // Only what the change adds is checked: editing a role that already holds a permission the
        // caller lacks (its description, say) is not an escalation.
        const had = new Set([
          ...current.permissions,
          ...current.includes.flatMap((r) => ctx.index.rolePermissions(r) ?? []),
        ]);
        requireCanConfer(
          callerOf(actor),
          [
            ...(patch.permissions ?? []),
            ...includes.flatMap((r) => ctx.index.rolePermissions(r) ?? []),
          ].filter((p) => !had.has(p)),
          `Changing role ${name}`,
        );
        const next = {
          name,
          permissions: patch.permissions === undefined ? current.permissions : unique(patch.permissions),
          includes,
          description: patch.description === undefined ? current.description : patch.description,
        };
        const row = await ctx.store.updateRole(next);
        const role: Role = { name, permissions: row.permissions, includes: row.includes };
        return {
          result: row,
          changes: [{ change: { kind: 'role.upserted', role }, events: [roleSaved(role, false, actor)] }],
        };
      });
    },

    /**
     * Deletes a role and its assignments (each an `assignment.removed` change; the one
     * `authz.role.deleted` event says the assignments went with it). Refused while other roles include it.
     */
    delete(name: string, actor: Actor): Promise<Written<{ unassigned: number }>> {
      return writer.write(async (ctx) => {
        const current = await ctx.store.getRole(name);
        if (current === undefined) throw notFound(`Role ${name}`);
        if (current.builtIn) throw builtInRole(name);
        const includedBy = await ctx.store.rolesIncluding(name);
        if (includedBy.length > 0) {
          throw new ProblemError({
            code: 'role_in_use',
            status: 409,
            title: 'Conflict',
            detail: `Role ${name} is included by ${includedBy.join(', ')}; remove it from them first.`,
            extensions: { included_by: includedBy },
          });
        }
        const assignments = await ctx.store.assignmentsOfRole(name);
        await ctx.store.deleteRole(name);
        const changes: PlannedChange[] = assignments.map((a) => ({
          change: { kind: 'assignment.removed', id: a.id },
          events: [],
        }));
        changes.push({ change: { kind: 'role.deleted', name }, events: [roleDeleted(name, actor)] });
        return { result: { unassigned: assignments.length }, changes };
      });
    },
  };
}
