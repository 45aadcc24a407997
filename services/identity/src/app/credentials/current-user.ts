/** The user behind a `/v1/me` access token: a user session token of an active, undeleted account. */
import type { AccessTokenClaims } from '@authplatform/service-kit';
import type { Selectable } from 'kysely';
import type { UsersTable } from '../../store/accounts/schema.ts';
import { credentialsStore } from '../../store/credentials/credentials-store.ts';
import type { CredentialsDeps } from './deps.ts';
import { accountInactive, userSessionRequired } from './errors.ts';

export type CurrentUser = Selectable<UsersTable>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type MeClaims = Pick<AccessTokenClaims, 'sub' | 'sid' | 'auth_time'>;

export async function currentUser(
  deps: Pick<CredentialsDeps, 'db'>,
  claims: MeClaims,
): Promise<{ user: CurrentUser; sessionId: string }> {
  const { sub, sid } = claims;
  if (typeof sid !== 'string' || !UUID.test(sid) || !UUID.test(sub)) throw userSessionRequired();
  const store = credentialsStore(deps.db);
  const user = await store.findUserById(sub);
  if (user === undefined) throw userSessionRequired();
  if (user.status !== 'active' || (await store.isDeleted(user.id))) throw accountInactive();
  return { user, sessionId: sid };
}
