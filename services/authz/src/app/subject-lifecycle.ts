/**
 * What the consumed identity and compliance events do to the model (run inside the consumer's
 * transaction, see events/handlers.ts):
 * - a registered user gets the default role (`AUTHZ_DEFAULT_ROLE`, created without permissions if it
 *   does not exist), and the bootstrap admin also gets the built-in `platform-admin`; idempotent;
 * - an erased or deleted user loses every assignment, grant and membership (`subject.removed`).
 */
import { uuidv7 } from '@authplatform/contracts';
import type { Assignment, Role } from '../domain/model.ts';
import { userSubject } from '../domain/permissions.ts';
import type { AuthzDb } from '../store/model/authz-store.ts';
import type { DecisionIndex } from './decision-index.ts';
import { roleAssigned, roleSaved, SYSTEM_ACTOR } from './published-events.ts';
import { type RemovedCounts, removeSubjectChanges } from './remove-subject.ts';
import type { PlannedChange, Writer } from './writer.ts';

export const BOOTSTRAP_ADMIN_ROLE = 'platform-admin';

export function createSubjectLifecycle(deps: { writer: Writer<DecisionIndex>; defaultRole: string }) {
  const { writer } = deps;
  return {
    /** Roles given at registration; returns the roles newly assigned. */
    async onRegistered(
      trx: AuthzDb,
      input: { userId: string; bootstrapAdmin: boolean },
    ): Promise<{ assigned: string[]; applyLocally: () => Promise<void> }> {
      const subject = userSubject(input.userId);
      const roles = [
        ...(deps.defaultRole === '' ? [] : [deps.defaultRole]),
        ...(input.bootstrapAdmin ? [BOOTSTRAP_ADMIN_ROLE] : []),
      ];
      const out = await writer.writeIn(trx, async (ctx) => {
        const changes: PlannedChange[] = [];
        const assigned: string[] = [];
        for (const name of [...new Set(roles)]) {
          if ((await ctx.store.getRole(name)) === undefined) {
            await ctx.store.insertRole({
              name,
              permissions: [],
              includes: [],
              description: 'Default role of new users',
            });
            const role: Role = { name, permissions: [], includes: [] };
            changes.push({
              change: { kind: 'role.upserted', role },
              events: [roleSaved(role, true, SYSTEM_ACTOR)],
            });
          }
          if ((await ctx.store.findAssignment(subject, name, null)) !== undefined) continue;
          const assignment: Assignment = { id: uuidv7(), subject, role: name, scope: null, condition: null };
          await ctx.store.insertAssignment(assignment);
          changes.push({
            change: { kind: 'assignment.added', assignment },
            events: [roleAssigned(assignment, SYSTEM_ACTOR)],
          });
          assigned.push(name);
        }
        return { result: assigned, changes };
      });
      return { assigned: out.result, applyLocally: out.applyLocally };
    },

    async erase(
      trx: AuthzDb,
      userId: string,
    ): Promise<{ counts: RemovedCounts; applyLocally: () => Promise<void> }> {
      const out = await writer.writeIn(trx, async (ctx) => {
        const removed = await removeSubjectChanges(ctx.store, userSubject(userId), SYSTEM_ACTOR);
        return { result: removed.counts, changes: removed.changes };
      });
      return { counts: out.result, applyLocally: out.applyLocally };
    },
  };
}

export type SubjectLifecycle = ReturnType<typeof createSubjectLifecycle>;
