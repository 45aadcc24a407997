import type { Logger } from '@authplatform/service-kit';
import type { Kysely } from 'kysely';
import type { SessionsDatabase } from '../../store/sessions/schema.ts';
import type { IssueAccessToken } from '../keys/issue-access-token.ts';

/** What the sessions use cases need (built by `sessionsFor`, or by hand in tests). */
export interface SessionsDeps {
  /** The service database; its `outbox` table is in the same schema. */
  db: Kysely<SessionsDatabase>;
  logger: Pick<Logger, 'warn' | 'error' | 'info'>;
  issueAccessToken: IssueAccessToken;
  idleTtlSec: number;
  absoluteTtlSec: number;
  reuseGraceSec: number;
  /**
   * A numeric `TRUST_PROXY` as a hop count (else 0), for http/oauth-routes.ts's caller address
   * until it uses `clientOf` (http/client-ip.ts) like the other routes.
   */
  trustedProxyHops: number;
}

/** Who presents a refresh token: the (authenticated or public) client and the HTTP caller. */
export interface RefreshCaller {
  clientId: string;
  ip: string;
  userAgent: string;
}
