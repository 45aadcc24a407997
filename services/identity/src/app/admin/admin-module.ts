/** Wiring of the admin users use cases into a running service (one per database). */
import type { ServiceContext } from '@authplatform/service-kit';
import type { TProperties } from '@sinclair/typebox';
import { DEFAULT_INVITATION_TTL_SEC } from '../../domain/credentials/tokens.ts';
import type { AdminDatabase } from '../../store/admin/admin-users-store.ts';
import type { AccountsConfigValues } from '../accounts/accounts-config.ts';
import { accountsFor } from '../accounts/accounts-module.ts';
import { deleteUser } from '../credentials/delete-account.ts';
import { credentialsFor } from '../credentials/deps.ts';
import type { Actor } from '../credentials/revoke-sessions.ts';
import {
  type AcceptInvitationInput,
  acceptInvitation,
  type InvitationDeps,
  type InviteInput,
  type Inviter,
  inviteUser,
} from './invite-user.ts';
import { type AdminUsers, adminUsers } from './manage-users.ts';

type AdminContext = Pick<ServiceContext<TProperties>, 'config' | 'database' | 'logger' | 'lifecycle'>;

const modules = new WeakMap<object, AdminUsers>();

export function adminUsersFor(context: AdminContext): AdminUsers {
  const existing = modules.get(context.database);
  if (existing !== undefined) return existing;
  const module = adminUsers({
    db: context.database.db.withTables<AdminDatabase>(),
    // The same throttle (and attempt store) as the login flow.
    throttle: accountsFor(context).throttle,
  });
  modules.set(context.database, module);
  return module;
}

/** Accounts an admin creates (invitations) and deletes, and the acceptance of an invitation. */
export interface AdminAccounts {
  invite(input: InviteInput, inviter: Inviter): ReturnType<typeof inviteUser>;
  accept(input: AcceptInvitationInput): ReturnType<typeof acceptInvitation>;
  /** Undefined when there is no such user; else the erasure request id (undefined: already deleted). */
  remove(userId: string, actor: Actor): Promise<{ erasureRequestId: string | undefined } | undefined>;
}

const accountModules = new WeakMap<object, AdminAccounts>();

export function adminAccountsFor(context: AdminContext): AdminAccounts {
  const existing = accountModules.get(context.database);
  if (existing !== undefined) return existing;
  const accounts = accountsFor(context);
  const credentials = credentialsFor(context);
  const config = context.config as unknown as AccountsConfigValues;
  const deps: InvitationDeps = {
    db: credentials.db,
    logger: credentials.logger,
    policy: credentials.policy,
    linkBaseUrl: credentials.linkBaseUrl,
    defaultLocale: accounts.defaultLocale,
    defaultTimezone: accounts.defaultTimezone,
    invitationTtlSec: config.INVITATION_TTL_SEC ?? DEFAULT_INVITATION_TTL_SEC,
  };
  const module: AdminAccounts = {
    invite: (input, inviter) => inviteUser(deps, input, inviter),
    accept: (input) => acceptInvitation(deps, input),
    async remove(userId, actor) {
      const user = await credentials.db
        .selectFrom('users')
        .select('id')
        .where('id', '=', userId)
        .executeTakeFirst();
      if (user === undefined) return undefined;
      return deleteUser(credentials, userId, actor);
    },
  };
  accountModules.set(context.database, module);
  return module;
}
