/**
 * Handlers of the events authz consumes (`handledEvents.authz` in @authplatform/contracts), for
 * `messagingPlugin('authz', (deps) => ({ events: createHandlers({ ...deps, authz }) }))`. Each runs in the
 * consumer's transaction (with the inbox row), so a redelivered event has no second effect; the index
 * of this instance is updated after the commit, the other instances follow the change log.
 *
 * - `identity.user.registered` → the default role (`AUTHZ_DEFAULT_ROLE`), and `platform-admin` for the
 *   bootstrap admin (`signup_method: bootstrap_admin`); idempotent;
 * - `identity.user.deleted` → removes the user's assignments, grants and memberships (`subject.removed`);
 *   audit tracks the erasure through `audit.compliance.erasure_requested`, which reports the counts;
 * - `audit.compliance.erasure_requested` → the same removal, then `authz.compliance.erasure_completed`
 *   with the counts (zero when `identity.user.deleted` already removed everything);
 * - `audit.compliance.export_requested` → the user's direct assignments, grants and group memberships
 *   stored as authz's part of the archive (`ComplianceExportParts`), then `authz.compliance.export_ready`.
 */
import { type CloudEvent, createEvent, type EventData, type EventType } from '@authplatform/contracts';
import {
  type ComplianceExportParts,
  enqueueEvent,
  type HandlerContext,
  type HandlerMap,
  type MessageHandler,
} from '@authplatform/messaging';
import type { Kysely } from 'kysely';
import type { AuthzModule } from '../app/authz-module.ts';
import { userSubject } from '../domain/permissions.ts';
import { authzStore } from '../store/model/authz-store.ts';
import type { AuthzDatabase } from '../store/model/schema.ts';

export interface AuthzHandlerDeps {
  complianceExports: ComplianceExportParts;
  authz: Pick<AuthzModule, 'subjects'>;
}

type Db = AuthzDatabase;

function on<T extends EventType>(
  _type: T,
  handler: (event: CloudEvent<T, EventData<T>>, context: HandlerContext<Db>) => Promise<void>,
): MessageHandler<CloudEvent, Db> {
  return (event, context) => handler(event as CloudEvent<T, EventData<T>>, context);
}

export function createHandlers(deps: AuthzHandlerDeps): HandlerMap<CloudEvent, Db> {
  const { subjects } = deps.authz;
  return {
    'identity.user.registered': on('identity.user.registered', async (event, { trx, afterCommit, log }) => {
      const out = await subjects.onRegistered(trx, {
        userId: event.data.user_id,
        bootstrapAdmin: event.data.signup_method === 'bootstrap_admin',
      });
      afterCommit(out.applyLocally);
      if (out.assigned.length > 0) log.info('roles given to a new user', { roles: out.assigned });
    }),

    'identity.user.deleted': on('identity.user.deleted', async (event, { trx, afterCommit }) => {
      const out = await subjects.erase(trx, event.data.user_id);
      afterCommit(out.applyLocally);
    }),

    'audit.compliance.erasure_requested': on(
      'audit.compliance.erasure_requested',
      async (event, { trx, afterCommit }) => {
        const { request_id: requestId, user_id: userId } = event.data;
        const out = await subjects.erase(trx, userId);
        await enqueueEvent(
          trx,
          createEvent('authz.compliance.erasure_completed', {
            request_id: requestId,
            user_id: userId,
            counts: {
              role_assignments: out.counts.assignments,
              grants: out.counts.grants,
              group_memberships: out.counts.memberships,
            },
          }),
        );
        afterCommit(out.applyLocally);
      },
    ),

    'audit.compliance.export_requested': on('audit.compliance.export_requested', async (event, { trx }) => {
      const { request_id: requestId, user_id: userId } = event.data;
      const store = authzStore(trx as unknown as Kysely<Db>);
      const subject = userSubject(userId);
      const footprint = await store.subjectFootprint(subject);
      const part = {
        subject,
        role_assignments: footprint.assignments.map((a) => ({
          id: a.id,
          role: a.role,
          scope: a.scope,
          condition: a.condition,
          created_at: a.createdAt.toISOString(),
        })),
        grants: footprint.grants.map((g) => ({
          id: g.id,
          permission: g.permission,
          resource: g.resource,
          condition: g.condition,
          created_at: g.createdAt.toISOString(),
        })),
        group_memberships: footprint.memberships.map((m) => ({ group: m.group })),
      };
      // Written before the transaction commits: a retry after a failed commit overwrites the same object.
      const ready = await deps.complianceExports.put({
        service: 'authz',
        requestId,
        userId,
        records: part.role_assignments.length + part.grants.length + part.group_memberships.length,
        part,
      });
      await enqueueEvent(trx, createEvent('authz.compliance.export_ready', ready));
    }),
  };
}
