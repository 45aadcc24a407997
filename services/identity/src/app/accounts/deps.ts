import type { Logger } from '@authplatform/service-kit';
import type { Kysely } from 'kysely';
import type { createPasswordPolicy } from '../../domain/password/index.ts';
import type { AttemptStore, LoginThrottle } from '../../domain/throttle/index.ts';
import type { AccountsDatabase } from '../../store/accounts/schema.ts';
import type { IssueAccessToken } from '../keys/issue-access-token.ts';

/** What the accounts use cases need (built by `accountsFor`, or by hand in tests). */
export interface AccountsDeps {
  /** The service database; its `outbox` table is in the same schema. */
  db: Kysely<AccountsDatabase>;
  logger: Pick<Logger, 'warn' | 'error' | 'info'>;
  policy: ReturnType<typeof createPasswordPolicy>;
  throttle: LoginThrottle;
  /** The throttle's counters, also used to cap verification-email resends. */
  attempts: AttemptStore;
  issueAccessToken: IssueAccessToken;
  /** Base of links in emails, without a trailing slash. */
  linkBaseUrl: string;
  defaultLocale: string;
  defaultTimezone: string;
}

/** Who is calling, as the HTTP layer saw it. */
export interface ClientInfo {
  /** From `clientAddress` (may be `unknown`). */
  ip: string;
  userAgent: string | undefined;
}
