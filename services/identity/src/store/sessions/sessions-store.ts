import { type Kysely, sql } from 'kysely';
import type { SessionsDatabase } from './schema.ts';

/** A refresh token with its family, session and user, as the refresh grant sees it (row locked). */
export interface PresentedToken {
  token_hash: string;
  family_id: string;
  expired: boolean;
  used: boolean;
  /** Seconds since `used_at` (database clock); null when unused. */
  since_used_sec: number | null;
  used_ip: string | null;
  used_user_agent: string | null;
  session_id: string;
  user_id: string;
  client_id: string;
  auth_time: number;
  amr: string[];
  scope: string | null;
  family_revoked: boolean;
  family_expired: boolean;
  session_revoked: boolean;
  user_active: boolean;
}

export interface LiveSession {
  id: string;
  created_at: Date;
  last_seen_at: Date;
  ip: string;
  user_agent: string;
}

/**
 * Queries of refresh tokens and sessions. Pass a kysely `Transaction` to run them inside the
 * transaction that also writes the outbox. Times come from the database clock.
 */
export function sessionsStore(db: Kysely<SessionsDatabase>) {
  return {
    /**
     * A new family (one per session) with its first token, in one statement: the token's idle
     * expiry never passes the family's absolute expiry.
     */
    async insertFamilyWithToken(family: {
      id: string;
      session_id: string;
      user_id: string;
      client_id: string;
      auth_time: number;
      amr: string[];
      scope: string | null;
      absoluteTtlSec: number;
      token_hash: string;
      idleTtlSec: number;
    }): Promise<void> {
      await sql`
        with family as (
          insert into refresh_token_families
            (id, session_id, user_id, client_id, auth_time, amr, scope, absolute_expires_at, revoked_at, revoked_reason)
          values (${family.id}, ${family.session_id}, ${family.user_id}, ${family.client_id}, ${family.auth_time},
                  ${family.amr}::text[], ${family.scope},
                  now() + ${family.absoluteTtlSec} * interval '1 second', null, null)
          returning id, absolute_expires_at
        )
        insert into refresh_tokens (token_hash, family_id, expires_at, used_at, used_ip, used_user_agent)
        select ${family.token_hash}, family.id,
               least(now() + ${family.idleTtlSec} * interval '1 second', family.absolute_expires_at),
               null, null, null
        from family`.execute(db);
    },

    /**
     * The token with its family, session and user; locks the family row (`FOR UPDATE`) so that
     * concurrent refreshes of one family are serialised. Must run inside a transaction.
     */
    async findAndLock(tokenHash: string): Promise<PresentedToken | undefined> {
      const result = await sql<PresentedToken>`
        select t.token_hash, t.family_id,
               t.expires_at <= now() as expired,
               t.used_at is not null as used,
               extract(epoch from (now() - t.used_at))::float8 as since_used_sec,
               t.used_ip, t.used_user_agent,
               f.session_id, f.user_id, f.client_id, f.auth_time::float8 as auth_time, f.amr, f.scope,
               f.revoked_at is not null as family_revoked,
               f.absolute_expires_at <= now() as family_expired,
               s.revoked_at is not null as session_revoked,
               u.status = 'active' as user_active
        from refresh_tokens t
        join refresh_token_families f on f.id = t.family_id
        join sessions s on s.id = f.session_id
        join users u on u.id = f.user_id
        where t.token_hash = ${tokenHash}
        for update of f`.execute(db);
      return result.rows[0];
    },

    /**
     * The refresh grant's common case in one statement (one round trip, its own transaction): reads
     * the token with its family, session and user, locking the family row (`FOR UPDATE`, so
     * concurrent refreshes of one family are serialised), and — only when the token is unused,
     * unexpired, of `clientId`, and its family, session and user are live — marks it used (`WHERE
     * used_at IS NULL`: the second guard against forks), inserts `nextHash` as its successor (idle
     * expiry never past the family's absolute expiry) and touches the session when it was last seen
     * more than `touchAfterSec` ago. `rotated` says whether the successor was inserted; otherwise
     * nothing changed and the row tells why (the caller handles reuse in a transaction of its own).
     * The statement is the PL/pgSQL function `rotate_refresh_token` (migration 0009), whose plan
     * Postgres keeps per connection.
     */
    async rotateIfUsable(input: {
      tokenHash: string;
      clientId: string;
      nextHash: string;
      ip: string;
      userAgent: string;
      idleTtlSec: number;
      touchAfterSec: number;
    }): Promise<(PresentedToken & { rotated: boolean }) | undefined> {
      const result = await sql<PresentedToken & { rotated: boolean }>`
        select * from rotate_refresh_token(${input.tokenHash}, ${input.clientId}, ${input.nextHash},
          ${input.ip}, ${input.userAgent}, ${input.idleTtlSec}::integer, ${input.touchAfterSec}::integer)`.execute(
        db,
      );
      return result.rows[0];
    },

    async revokeFamily(familyId: string, reason: string): Promise<void> {
      await db
        .updateTable('refresh_token_families')
        .set({ revoked_at: sql<Date>`now()`, revoked_reason: reason })
        .where('id', '=', familyId)
        .where('revoked_at', 'is', null)
        .execute();
    },

    /** Revokes every live family of the session; the number revoked. */
    async revokeFamiliesOfSession(sessionId: string, reason: string): Promise<number> {
      const rows = await db
        .updateTable('refresh_token_families')
        .set({ revoked_at: sql<Date>`now()`, revoked_reason: reason })
        .where('session_id', '=', sessionId)
        .where('revoked_at', 'is', null)
        .returning('id')
        .execute();
      return rows.length;
    },

    /** Live sessions of the user (not revoked, younger than the absolute lifetime), newest first. */
    async listLiveSessions(userId: string, absoluteTtlSec: number, limit: number): Promise<LiveSession[]> {
      return db
        .selectFrom('sessions')
        .select(['id', 'created_at', 'last_seen_at', 'ip', 'user_agent'])
        .where('user_id', '=', userId)
        .where('revoked_at', 'is', null)
        .where('created_at', '>', sql<Date>`now() - ${absoluteTtlSec} * interval '1 second'`)
        .orderBy('created_at', 'desc')
        .limit(limit)
        .execute();
    },

    async isSessionLive(sessionId: string, userId: string): Promise<boolean> {
      const row = await db
        .selectFrom('sessions')
        .select('id')
        .where('id', '=', sessionId)
        .where('user_id', '=', userId)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return row !== undefined;
    },

    /** Revokes live sessions of the user (one, or all but `exceptId`); the ids revoked. */
    async revokeSessions(
      userId: string,
      reason: string,
      which: { id: string } | { exceptId: string | undefined },
    ): Promise<string[]> {
      let query = db
        .updateTable('sessions')
        .set({ revoked_at: sql<Date>`now()`, reason })
        .where('user_id', '=', userId)
        .where('revoked_at', 'is', null);
      if ('id' in which) query = query.where('id', '=', which.id);
      else if (which.exceptId !== undefined) query = query.where('id', '!=', which.exceptId);
      const rows = await query.returning('id').execute();
      return rows.map((r) => r.id);
    },
  };
}

export type SessionsStore = ReturnType<typeof sessionsStore>;
