/** Role assignments: a role given to a subject globally or on a resource, optionally with a condition. */
import { uuidv7 } from '@authplatform/contracts';
import type { Assignment } from '../domain/model.ts';
import type { AssignmentRow, AuthzStore } from '../store/model/authz-store.ts';
import { requireValidCondition } from './conditions.ts';
import type { DecisionIndex } from './decision-index.ts';
import { fieldProblem, notFound } from './errors.ts';
import { requireCanConfer } from './escalation.ts';
import { type Actor, callerOf, roleAssigned, roleUnassigned } from './published-events.ts';
import type { Writer, Written } from './writer.ts';

export interface AssignInput {
  subject: string;
  role: string;
  scope: string | null;
  condition: string | null;
}

/** A `group:<id>` subject must name an existing group (users and clients belong to identity). */
export async function requireKnownSubject(
  store: AuthzStore,
  subject: string,
  pointer: string,
): Promise<void> {
  if (!subject.startsWith('group:')) return;
  if ((await store.getGroup(subject.slice('group:'.length))) === undefined) {
    throw fieldProblem(pointer, 'unknown_group', `Group ${subject} does not exist.`);
  }
}

export function createAssignmentUseCases(writer: Writer<DecisionIndex>) {
  return {
    /** Idempotent: the same (subject, role, scope) again changes nothing, or only its condition. */
    assign(
      input: AssignInput,
      actor: Actor,
    ): Promise<Written<{ assignment: AssignmentRow; created: boolean }>> {
      if (input.condition !== null) requireValidCondition(input.condition, '/query/condition');
      return writer.write<{ assignment: AssignmentRow; created: boolean }>(async (ctx) => {
        if ((await ctx.store.getRole(input.role)) === undefined) throw notFound(`Role ${input.role}`);
        await requireKnownSubject(ctx.store, input.subject, '/params/subject');
        requireCanConfer(callerOf(actor), ctx.index.rolePermissions(input.role) ?? [], `Role ${input.role}`);
        const existing = await ctx.store.findAssignment(input.subject, input.role, input.scope);
        if (existing !== undefined) {
          if (existing.condition === input.condition) {
            return { result: { assignment: existing, created: false }, changes: [] };
          }
          await ctx.store.deleteAssignment(existing.id);
        }
        const assignment: Assignment = {
          id: existing?.id ?? uuidv7(),
          subject: input.subject,
          role: input.role,
          scope: input.scope,
          condition: input.condition,
        };
        const row = await ctx.store.insertAssignment(assignment);
        // The assignment events carry no condition, and identity puts the global roles they announce
        // into access tokens: a conditional assignment is not announced (and one that becomes
        // conditional is announced as unassigned), so a condition can never be bypassed through a token.
        const events =
          assignment.condition === null
            ? [roleAssigned(assignment, actor)]
            : existing !== undefined && existing.condition === null
              ? [roleUnassigned(existing, actor)]
              : [];
        return {
          result: { assignment: row, created: existing === undefined },
          changes: [{ change: { kind: 'assignment.added', assignment }, events }],
        };
      });
    },

    unassign(input: Omit<AssignInput, 'condition'>, actor: Actor): Promise<Written<AssignmentRow>> {
      return writer.write(async (ctx) => {
        const existing = await ctx.store.findAssignment(input.subject, input.role, input.scope);
        if (existing === undefined) {
          throw notFound(
            `An assignment of role ${input.role} to ${input.subject}${input.scope === null ? '' : ` on ${input.scope}`}`,
          );
        }
        await ctx.store.deleteAssignment(existing.id);
        return {
          result: existing,
          changes: [
            {
              change: { kind: 'assignment.removed', id: existing.id },
              events: existing.condition === null ? [roleUnassigned(existing, actor)] : [],
            },
          ],
        };
      });
    },
  };
}
