/**
 * Use cases of the admin users API (identity.md "Admin"): search, read, disable/enable, rename,
 * unlock and revoke sessions. Every change writes its events through the outbox in the same
 * transaction. Actors are `{ type: 'admin', id: <token sub> }`.
 */
import { createEvent, type EventData } from '@authplatform/contracts';
import { problems } from '@authplatform/service-kit';
import type { Kysely } from 'kysely';
import type { UserStatus } from '../../domain/accounts/login-policy.ts';
import { checkName } from '../../domain/accounts/profile.ts';
import type { LoginThrottle } from '../../domain/throttle/index.ts';
import {
  type AdminDatabase,
  type AdminUserRow,
  adminUsersStore,
  type UserSearch,
} from '../../store/admin/admin-users-store.ts';
import { enqueueEvent } from '../../store/events/enqueue-event.ts';

/** Who did it, as events carry it. */
export type Actor = EventData<'identity.user.disabled'>['actor'];

export interface AdminUsersDeps {
  db: Kysely<AdminDatabase>;
  /** The login throttle, whose per-account lockouts an admin unlock also lifts. */
  throttle: Pick<LoginThrottle, 'check' | 'unlock'>;
}

export interface AdminUser extends AdminUserRow {
  /** Locked by the projection's `user_locks` or by the login throttle (failed logins). */
  locked: boolean;
}

export interface UserChange {
  status?: Exclude<UserStatus, 'invited'> | undefined;
  name?: string | undefined;
  reason?: string | undefined;
}

/** `ip` is irrelevant to the account lock; the throttle's check needs one. */
const NO_IP = '0.0.0.0';

export function adminUsers(deps: AdminUsersDeps) {
  const { db, throttle } = deps;
  const throttleLocked = async (email: string) =>
    (await throttle.check({ account: email, ip: NO_IP })).locked;

  return {
    search: (query: UserSearch) => adminUsersStore(db).search(query),

    async get(id: string): Promise<AdminUser | undefined> {
      const user = await adminUsersStore(db).find(id);
      if (user === undefined) return undefined;
      return { ...user, locked: user.locked || (await throttleLocked(user.email)) };
    },

    /** Applies the change; undefined when there is no such user. */
    async update(id: string, change: UserChange, actor: Actor): Promise<AdminUser | undefined> {
      // The profile rules of `PATCH /v1/me`; a bad name refuses the whole change.
      let name: string | undefined;
      if (change.name !== undefined) {
        const checked = checkName(change.name);
        if (!checked.ok)
          throw problems.validation([
            { pointer: '/body/name', code: 'invalid_name', detail: checked.reason },
          ]);
        name = checked.value;
      }
      const found = await db.transaction().execute(async (trx) => {
        const store = adminUsersStore(trx);
        const user = await store.find(id);
        if (user === undefined) return false;
        if (change.status !== undefined && user.status === 'invited') {
          // An invited account has no password: it becomes active only by accepting its invitation.
          throw problems.conflict(
            'user_invited',
            'This account has not accepted its invitation yet; its status cannot be changed (delete it instead).',
          );
        }
        if (change.status !== undefined && (await store.setStatus(id, change.status))) {
          const data = {
            user_id: id,
            actor,
            ...(change.reason === undefined ? {} : { reason: change.reason }),
          };
          if (change.status === 'disabled') {
            await enqueueEvent(trx, createEvent('identity.user.disabled', data));
            // A disabled account keeps no session (its access tokens die at expiry).
            for (const sessionId of await store.revokeSessions(id, 'user_disabled')) {
              await enqueueEvent(
                trx,
                createEvent('identity.session.revoked', {
                  user_id: id,
                  session_id: sessionId,
                  reason: 'user_disabled',
                  actor,
                }),
              );
            }
          } else {
            await enqueueEvent(trx, createEvent('identity.user.enabled', data));
          }
        }
        if (name !== undefined && name !== user.name) {
          await store.setName(id, name);
          await enqueueEvent(
            trx,
            createEvent('identity.user.updated', { user_id: id, changed: ['name'], name }),
          );
        }
        return true;
      });
      return found ? this.get(id) : undefined;
    },

    /** Lifts a security/admin lock and the login throttle's lockout; false when no such user. */
    async unlock(id: string, actor: Actor): Promise<boolean> {
      const user = await adminUsersStore(db).find(id);
      if (user === undefined) return false;
      const wasThrottled = await throttleLocked(user.email);
      await throttle.unlock(user.email);
      await db.transaction().execute(async (trx) => {
        const hadLock = await adminUsersStore(trx).removeLock(id);
        if (hadLock || wasThrottled) {
          await enqueueEvent(
            trx,
            createEvent('identity.user.unlocked', { user_id: id, reason: 'admin', actor }),
          );
        }
      });
      return true;
    },

    /** Revokes every live session of the user; undefined when no such user, else how many. */
    async revokeSessions(id: string, actor: Actor): Promise<number | undefined> {
      return db.transaction().execute(async (trx) => {
        const store = adminUsersStore(trx);
        if ((await store.find(id)) === undefined) return undefined;
        const revoked = await store.revokeSessions(id, 'admin');
        for (const sessionId of revoked) {
          await enqueueEvent(
            trx,
            createEvent('identity.session.revoked', {
              user_id: id,
              session_id: sessionId,
              reason: 'admin',
              actor,
            }),
          );
        }
        return revoked.length;
      });
    },
  };
}

export type AdminUsers = ReturnType<typeof adminUsers>;
