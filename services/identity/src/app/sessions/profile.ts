/**
 * Use cases: the caller's own profile (`GET /v1/me`) and its OpenID Connect form
 * (`GET /oauth2/userinfo`, OIDC Core §5.3: `sub`, `email`, `email_verified`, `name`, `locale`,
 * `zoneinfo`).
 */
import type { User } from '../../store/accounts/accounts-store.ts';
import { accountsStore } from '../../store/accounts/accounts-store.ts';
import type { SessionsDeps } from './deps.ts';
import { isUuid } from './manage-sessions.ts';

export interface Profile {
  id: string;
  email: string;
  email_verified: boolean;
  name: string | null;
  locale: string;
  timezone: string;
  created_at: string;
}

export interface UserInfo {
  sub: string;
  email: string;
  email_verified: boolean;
  name?: string;
  locale: string;
  zoneinfo: string;
}

/** The active user `userId`, or undefined (unknown, deleted, disabled, or not a user id at all). */
async function activeUser(deps: Pick<SessionsDeps, 'db'>, userId: string): Promise<User | undefined> {
  if (!isUuid(userId)) return undefined;
  const user = await accountsStore(deps.db).findUserById(userId);
  return user?.status === 'active' ? user : undefined;
}

export async function readProfile(
  deps: Pick<SessionsDeps, 'db'>,
  userId: string,
): Promise<Profile | undefined> {
  const user = await activeUser(deps, userId);
  if (user === undefined) return undefined;
  return {
    id: user.id,
    email: user.email,
    email_verified: user.email_verified_at !== null,
    name: user.name,
    locale: user.locale,
    timezone: user.timezone,
    created_at: user.created_at.toISOString(),
  };
}

export async function readUserInfo(
  deps: Pick<SessionsDeps, 'db'>,
  userId: string,
): Promise<UserInfo | undefined> {
  const user = await activeUser(deps, userId);
  if (user === undefined) return undefined;
  return {
    sub: user.id,
    email: user.email,
    email_verified: user.email_verified_at !== null,
    ...(user.name === null ? {} : { name: user.name }),
    locale: user.locale,
    zoneinfo: user.timezone,
  };
}
