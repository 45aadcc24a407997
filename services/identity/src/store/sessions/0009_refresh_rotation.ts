import { type Kysely, sql } from 'kysely';

/**
 * `rotate_refresh_token(...)`: the refresh grant's common case as one PL/pgSQL function (see
 * `sessionsStore.rotateIfUsable`). One statement, as before, but PL/pgSQL keeps its plan per
 * connection: planning the five-part data-modifying statement cost Postgres more than running it,
 * on every refresh (kysely sends unnamed statements, which Postgres plans on every call).
 *
 * It reads the token with its family, session and user, locking the family row (`FOR UPDATE`, so
 * concurrent refreshes of one family are serialised), and — only when the token is unused,
 * unexpired, of the client, and its family, session and user are live — marks it used (`WHERE
 * used_at IS NULL`: the second guard against forks), inserts the successor (idle expiry never past
 * the family's absolute expiry) and touches the session when it was last seen more than
 * `p_touch_after_sec` ago. `rotated` says whether the successor was inserted. Tables resolve through
 * the connection's `search_path` (the service schema), like every other query of the service.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create or replace function rotate_refresh_token(
      p_token_hash text, p_client_id text, p_next_hash text, p_ip text, p_user_agent text,
      p_idle_ttl_sec integer, p_touch_after_sec integer)
    returns table (
      token_hash text, family_id uuid, expired boolean, used boolean, since_used_sec float8,
      used_ip text, used_user_agent text, session_id uuid, user_id uuid, client_id text,
      auth_time float8, amr text[], scope text, family_revoked boolean, family_expired boolean,
      session_revoked boolean, user_active boolean, rotated boolean)
    language plpgsql
    as $fn$
    #variable_conflict use_column
    begin
      return query
      with cur as (
        select t.token_hash, t.family_id,
               t.expires_at <= now() as expired,
               t.used_at is not null as used,
               extract(epoch from (now() - t.used_at))::float8 as since_used_sec,
               t.used_ip, t.used_user_agent,
               f.session_id, f.user_id, f.client_id, f.auth_time::float8 as auth_time, f.amr, f.scope,
               f.revoked_at is not null as family_revoked,
               f.absolute_expires_at <= now() as family_expired,
               f.absolute_expires_at,
               s.revoked_at is not null as session_revoked,
               u.status = 'active' as user_active
        from refresh_tokens t
        join refresh_token_families f on f.id = t.family_id
        join sessions s on s.id = f.session_id
        join users u on u.id = f.user_id
        where t.token_hash = p_token_hash
        for update of f
      ), usable as (
        select * from cur
        where cur.client_id = p_client_id and not cur.used and not cur.expired
          and not cur.family_revoked and not cur.family_expired and not cur.session_revoked
          and cur.user_active
      ), marked as (
        update refresh_tokens r
        set used_at = now(), used_ip = p_ip, used_user_agent = p_user_agent
        from usable
        where r.token_hash = usable.token_hash and r.used_at is null
        returning r.family_id
      ), successor as (
        insert into refresh_tokens as n (token_hash, family_id, expires_at, used_at, used_ip, used_user_agent)
        select p_next_hash, usable.family_id,
               least(now() + p_idle_ttl_sec * interval '1 second', usable.absolute_expires_at),
               null, null, null
        from usable join marked on marked.family_id = usable.family_id
        returning n.family_id
      ), touched as (
        update sessions s set last_seen_at = now()
        from usable
        where s.id = usable.session_id
          and s.last_seen_at < now() - p_touch_after_sec * interval '1 second'
          and exists (select 1 from successor)
        returning s.id
      )
      select cur.token_hash, cur.family_id, cur.expired, cur.used, cur.since_used_sec,
             cur.used_ip, cur.used_user_agent, cur.session_id, cur.user_id, cur.client_id,
             cur.auth_time, cur.amr, cur.scope, cur.family_revoked, cur.family_expired,
             cur.session_revoked, cur.user_active, exists (select 1 from successor)
      from cur;
    end
    $fn$`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop function if exists rotate_refresh_token(text, text, text, text, text, integer, integer)`.execute(
    db,
  );
}
