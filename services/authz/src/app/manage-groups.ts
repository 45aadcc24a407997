/** Groups and their members (nested groups allowed, no cycles). */
import { uuidv7 } from '@authplatform/contracts';
import { ProblemError } from '@authplatform/service-kit';
import type { Membership } from '../domain/model.ts';
import type { GroupRow } from '../store/model/authz-store.ts';
import type { DecisionIndex } from './decision-index.ts';
import { cycle, notFound } from './errors.ts';
import { requireCanConfer } from './escalation.ts';
import { requireKnownSubject } from './manage-assignments.ts';
import { type Actor, callerOf, memberAdded, memberRemoved } from './published-events.ts';
import { removeSubjectChanges } from './remove-subject.ts';
import type { Writer, Written } from './writer.ts';

export function createGroupUseCases(writer: Writer<DecisionIndex>) {
  return {
    /** A group has no state in the decision index until it has members or holdings: no change is logged. */
    create(input: {
      id?: string | undefined;
      name: string;
      description?: string | undefined;
    }): Promise<Written<GroupRow>> {
      return writer.write(async (ctx) => {
        const id = input.id ?? uuidv7();
        if ((await ctx.store.getGroup(id)) !== undefined) {
          throw new ProblemError({
            code: 'group_exists',
            status: 409,
            title: 'Conflict',
            detail: `Group ${id} already exists.`,
          });
        }
        const row = await ctx.store.insertGroup({
          id,
          name: input.name,
          description: input.description ?? null,
        });
        return { result: row, changes: [] };
      });
    },

    /** Deletes the group, its memberships (both as a group and as a member) and its assignments and grants. */
    delete(
      id: string,
      actor: Actor,
    ): Promise<Written<{ memberships: number; assignments: number; grants: number }>> {
      return writer.write(async (ctx) => {
        if ((await ctx.store.getGroup(id)) === undefined) throw notFound(`Group ${id}`);
        const removed = await removeSubjectChanges(ctx.store, `group:${id}`, actor);
        await ctx.store.deleteGroup(id);
        return { result: removed.counts, changes: removed.changes };
      });
    },

    addMember(groupId: string, member: string, actor: Actor): Promise<Written<{ created: boolean }>> {
      return writer.write<{ created: boolean }>(async (ctx) => {
        if ((await ctx.store.getGroup(groupId)) === undefined) throw notFound(`Group ${groupId}`);
        await requireKnownSubject(ctx.store, member, '/params/subject');
        const group = `group:${groupId}`;
        if (await ctx.store.hasMembership(groupId, member))
          return { result: { created: false }, changes: [] };
        if (member === group || ctx.index.membershipWouldCycle(group, member)) {
          throw cycle(
            'membership_cycle',
            `Adding ${member} to ${group} would make groups contain each other.`,
          );
        }
        // The group's global roles (its own and its parent groups') reach the member's tokens.
        requireCanConfer(
          callerOf(actor),
          ctx.index.globalRolesOf(group).flatMap((r) => ctx.index.rolePermissions(r) ?? []),
          `Membership of ${group}`,
        );
        await ctx.store.insertMembership(groupId, member);
        const membership: Membership = { group, member };
        return {
          result: { created: true },
          changes: [
            { change: { kind: 'membership.added', membership }, events: [memberAdded(membership, actor)] },
          ],
        };
      });
    },

    removeMember(groupId: string, member: string, actor: Actor): Promise<Written<null>> {
      return writer.write(async (ctx) => {
        if (!(await ctx.store.hasMembership(groupId, member))) {
          throw notFound(`Membership of ${member} in group ${groupId}`);
        }
        await ctx.store.deleteMembership(groupId, member);
        const membership: Membership = { group: `group:${groupId}`, member };
        return {
          result: null,
          changes: [
            {
              change: { kind: 'membership.removed', membership },
              events: [memberRemoved(membership, actor)],
            },
          ],
        };
      });
    },
  };
}
