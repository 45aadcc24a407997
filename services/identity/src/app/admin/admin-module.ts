/** Wiring of the admin users use cases into a running service (one per database). */
import type { ServiceContext } from '@authplatform/service-kit';
import type { TProperties } from '@sinclair/typebox';
import type { AdminDatabase } from '../../store/admin/admin-users-store.ts';
import { accountsFor } from '../accounts/accounts-module.ts';
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
