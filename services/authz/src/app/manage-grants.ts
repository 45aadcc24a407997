/** Grants: one permission on one resource (and its descendants) for a subject, optionally conditional. */
import { uuidv7 } from '@authplatform/contracts';
import { ProblemError } from '@authplatform/service-kit';
import type { Grant } from '../domain/model.ts';
import type { GrantRow } from '../store/model/authz-store.ts';
import { requireValidCondition } from './conditions.ts';
import type { DecisionIndex } from './decision-index.ts';
import { notFound } from './errors.ts';
import { requireCanConfer } from './escalation.ts';
import { requireKnownSubject } from './manage-assignments.ts';
import { type Actor, callerOf, grantCreated, grantDeleted } from './published-events.ts';
import type { Writer, Written } from './writer.ts';

export interface GrantInput {
  subject: string;
  permission: string;
  resource: string;
  condition: string | null;
}

export function createGrantUseCases(writer: Writer<DecisionIndex>) {
  return {
    /**
     * Idempotent for the same (subject, permission, resource, condition): answers the existing grant.
     * The same triple with another condition is a conflict (delete the grant first).
     */
    create(input: GrantInput, actor: Actor): Promise<Written<{ grant: GrantRow; created: boolean }>> {
      if (input.condition !== null) requireValidCondition(input.condition, '/body/condition');
      requireCanConfer(callerOf(actor), [input.permission], `A grant of ${input.permission}`);
      return writer.write<{ grant: GrantRow; created: boolean }>(async (ctx) => {
        await requireKnownSubject(ctx.store, input.subject, '/body/subject');
        const existing = await ctx.store.findGrant(input.subject, input.permission, input.resource);
        if (existing !== undefined) {
          if (existing.condition === input.condition)
            return { result: { grant: existing, created: false }, changes: [] };
          throw new ProblemError({
            code: 'grant_exists',
            status: 409,
            title: 'Conflict',
            detail: `Grant ${existing.id} already gives ${input.permission} on ${input.resource} to ${input.subject} with another condition.`,
            extensions: { grant_id: existing.id },
          });
        }
        const grant: Grant = { id: uuidv7(), ...input };
        const row = await ctx.store.insertGrant(grant);
        return {
          result: { grant: row, created: true },
          changes: [{ change: { kind: 'grant.added', grant }, events: [grantCreated(grant, actor)] }],
        };
      });
    },

    delete(id: string, actor: Actor): Promise<Written<GrantRow>> {
      return writer.write(async (ctx) => {
        const existing = await ctx.store.getGrant(id);
        if (existing === undefined) throw notFound(`Grant ${id}`);
        await ctx.store.deleteGrant(id);
        return {
          result: existing,
          changes: [{ change: { kind: 'grant.removed', id }, events: [grantDeleted(existing, actor)] }],
        };
      });
    },
  };
}
