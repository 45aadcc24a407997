/**
 * Handlers of the events identity consumes (`handledEvents.identity` in @authplatform/contracts),
 * for `messagingPlugin('identity', { events: handlers })`. Each runs in the consumer's transaction
 * (with the inbox row), so a redelivered event has no second effect; the projection additionally
 * converges under reordering and duplicates with other ids (see `domain/claims/ordering.ts`).
 *
 * - `authz.role.created|updated|deleted` → role definitions (name → permissions, includes);
 * - `authz.role.assigned|unassigned` → assignments (global ones, scope absent, reach tokens);
 * - `authz.group.member_added|member_removed` → memberships (nested groups followed);
 * - `audit.security.detected` → locks the user (high or critical severity, with a `user_id`);
 * - `audit.compliance.erasure_requested` → erases the account and its projection rows and reports
 *   `identity.compliance.erasure_completed`;
 * - `audit.compliance.export_requested` → stores identity's part of the subject's archive (profile,
 *   sessions, token families' metadata, global roles and groups as identity knows them; never a password
 *   hash or token hash) through `ComplianceExportParts` and reports `identity.compliance.export_ready`.
 */
import { type CloudEvent, createEvent, type EventData, type EventType } from '@authplatform/contracts';
import type {
  ComplianceExportParts,
  HandlerContext,
  HandlerMap,
  MessageHandler,
} from '@authplatform/messaging';
import { type Kysely, sql, type Transaction } from 'kysely';
import { orderKey } from '../domain/claims/ordering.ts';
import type { AccountsDatabase } from '../store/accounts/schema.ts';
import { claimsStore } from '../store/claims/claims-store.ts';
import type { ClaimsDatabase } from '../store/claims/schema.ts';
import { exportUserData } from '../store/compliance/export-user-data.ts';
import { enqueueEvent } from '../store/events/enqueue-event.ts';

export type IdentityEventsDatabase = AccountsDatabase & ClaimsDatabase;

/** Severities of `audit.security.detected` that lock the account. */
export const LOCKING_SEVERITIES: ReadonlySet<string> = new Set(['high', 'critical']);

/** The same transaction, seen through the claims tables only (kysely's table maps are invariant). */
const claims = (trx: Transaction<IdentityEventsDatabase>) =>
  claimsStore(trx as unknown as Kysely<ClaimsDatabase>);

/**
 * A handler typed by its event type: the consumer's map types `data` as unknown, and the consumer has
 * validated it against the catalogue's schema before calling (`parseEvent`).
 */
function on<T extends EventType>(
  _type: T,
  handler: (
    event: CloudEvent<T, EventData<T>>,
    context: HandlerContext<IdentityEventsDatabase>,
  ) => Promise<void>,
): MessageHandler<CloudEvent, IdentityEventsDatabase> {
  return (event, context) => handler(event as CloudEvent<T, EventData<T>>, context);
}

const time = (event: { time?: string | undefined }) =>
  event.time === undefined ? new Date() : new Date(event.time);

/** What the handlers need beyond the consumer's transaction. */
export interface IdentityHandlerDeps {
  complianceExports: ComplianceExportParts;
}

/** identity's handlers, for `messagingPlugin('identity', (deps) => ({ events: createHandlers(deps) }))`. */
export function createHandlers(deps: IdentityHandlerDeps): HandlerMap<CloudEvent, IdentityEventsDatabase> {
  return { ...projectionHandlers, ...complianceExportHandlers(deps) };
}

/** The handlers that need nothing beyond the transaction: claims projection, security locks, erasure. */
export const projectionHandlers: HandlerMap<CloudEvent, IdentityEventsDatabase> = {
  'authz.role.created': on('authz.role.created', async (event, { trx }) => {
    const { name, permissions, includes } = event.data;
    await claims(trx).setRole(name, { permissions, includes }, orderKey(event), time(event));
  }),
  'authz.role.updated': on('authz.role.updated', async (event, { trx }) => {
    const { name, permissions, includes } = event.data;
    await claims(trx).setRole(name, { permissions, includes }, orderKey(event), time(event));
  }),
  'authz.role.deleted': on('authz.role.deleted', async (event, { trx }) => {
    await claims(trx).setRole(event.data.name, undefined, orderKey(event), time(event));
  }),
  'authz.role.assigned': on('authz.role.assigned', async (event, { trx }) => {
    const { subject, role, scope } = event.data;
    await claims(trx).setAssignment(
      { subject, role, scope: scope ?? '', active: true },
      orderKey(event),
      time(event),
    );
  }),
  'authz.role.unassigned': on('authz.role.unassigned', async (event, { trx }) => {
    const { subject, role, scope } = event.data;
    await claims(trx).setAssignment(
      { subject, role, scope: scope ?? '', active: false },
      orderKey(event),
      time(event),
    );
  }),
  'authz.group.member_added': on('authz.group.member_added', async (event, { trx }) => {
    const { group_id, subject } = event.data;
    await claims(trx).setMembership({ groupId: group_id, member: subject, active: true }, orderKey(event));
  }),
  'authz.group.member_removed': on('authz.group.member_removed', async (event, { trx }) => {
    const { group_id, subject } = event.data;
    await claims(trx).setMembership({ groupId: group_id, member: subject, active: false }, orderKey(event));
  }),

  'audit.security.detected': on('audit.security.detected', async (event, { trx, log }) => {
    const { user_id: userId, severity, detection_id: detectionId } = event.data;
    if (userId === undefined || !LOCKING_SEVERITIES.has(severity)) return;
    const user = await trx.selectFrom('users').select('id').where('id', '=', userId).executeTakeFirst();
    if (user === undefined) {
      log.info('security detection about an unknown user; nothing to lock', { detection_id: detectionId });
      return;
    }
    // An existing lock (of any kind) becomes an indefinite security lock; the event only when newly locked.
    const previous = await trx
      .selectFrom('user_locks')
      .select(['reason', 'locked_until'])
      .where('user_id', '=', userId)
      .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '>', sql<Date>`now()`)]))
      .executeTakeFirst();
    await trx
      .insertInto('user_locks')
      .values({
        user_id: userId,
        reason: 'security_detection',
        locked_until: null,
        detection_id: detectionId,
      })
      .onConflict((oc) =>
        oc.column('user_id').doUpdateSet({
          reason: 'security_detection',
          locked_until: null,
          detection_id: detectionId,
          created_at: sql<Date>`now()`,
        }),
      )
      .execute();
    if (previous?.reason !== 'security_detection') {
      await enqueueEvent(
        trx,
        createEvent('identity.user.locked', {
          user_id: userId,
          reason: 'security_detection',
          detection_id: detectionId,
        }),
      );
    }
  }),

  'audit.compliance.erasure_requested': on('audit.compliance.erasure_requested', async (event, { trx }) => {
    const { request_id: requestId, user_id: userId } = event.data;
    const subject = `user:${userId}`;
    const forgotten = await claims(trx).forgetSubject(subject);
    const sessions = await trx
      .selectFrom('sessions')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('user_id', '=', userId)
      .executeTakeFirstOrThrow();
    const users = await trx.deleteFrom('users').where('id', '=', userId).executeTakeFirst();
    await enqueueEvent(
      trx,
      createEvent('identity.compliance.erasure_completed', {
        request_id: requestId,
        user_id: userId,
        counts: {
          users: Number(users.numDeletedRows),
          sessions: users.numDeletedRows > 0n ? Number(sessions.n) : 0,
          role_assignments: forgotten.assignments,
          group_memberships: forgotten.memberships,
        },
      }),
    );
  }),
};

function complianceExportHandlers(deps: IdentityHandlerDeps): HandlerMap<CloudEvent, IdentityEventsDatabase> {
  return {
    'audit.compliance.export_requested': on('audit.compliance.export_requested', async (event, { trx }) => {
      const { request_id: requestId, user_id: userId } = event.data;
      const part = await exportUserData(trx as unknown as Kysely<IdentityEventsDatabase>, userId);
      // Written before the transaction commits: a retry after a failed commit overwrites the same object.
      const ready = await deps.complianceExports.put({
        service: 'identity',
        requestId,
        userId,
        records: part.records,
        part: part.data,
      });
      await enqueueEvent(trx, createEvent('identity.compliance.export_ready', ready));
    }),
  };
}
