import { type Kysely, sql } from 'kysely';

/**
 * `attempt_gate(...)`: the start of a throttled login as one round trip (see
 * `PostgresAttemptStore.gate`). PL/pgSQL, so that each of its statements reads what was committed
 * before it ran (a volatile function takes a fresh snapshot per statement, as separate statements
 * would) and its plans are kept per connection:
 *
 * 1. the live counters among `p_block_keys` (lock, IP backoff); when any exists, nothing is counted;
 * 2. otherwise one hit on `p_hit_key` (the same upsert as `hit`, window `p_window_ms`);
 * 3. then `p_recheck_key` read again (a lock written by a concurrent attempt between 1 and 2).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create or replace function attempt_gate(
      p_block_keys text[], p_hit_key text, p_window_ms bigint, p_recheck_key text)
    returns jsonb
    language plpgsql
    as $fn$
    declare
      v_blocks jsonb;
      v_count integer;
      v_recheck jsonb;
    begin
      select jsonb_object_agg(c.key, jsonb_build_object(
               'count', c.count, 'ttl_ms', ceil(extract(epoch from c.expires_at - clock_timestamp()) * 1000)))
        into v_blocks
        from attempt_counters c
        where c.key = any(p_block_keys) and c.expires_at > clock_timestamp();
      if v_blocks is not null then
        return jsonb_build_object('blocks', v_blocks);
      end if;
      insert into attempt_counters as c (key, count, expires_at)
        values (p_hit_key, 1, clock_timestamp() + p_window_ms * interval '1 millisecond')
        on conflict (key) do update set
          count = case when c.expires_at <= clock_timestamp() then 1 else c.count + 1 end,
          expires_at = case when c.expires_at <= clock_timestamp() then excluded.expires_at else c.expires_at end
        returning c.count into v_count;
      select jsonb_build_object(
               'count', c.count, 'ttl_ms', ceil(extract(epoch from c.expires_at - clock_timestamp()) * 1000))
        into v_recheck
        from attempt_counters c
        where c.key = p_recheck_key and c.expires_at > clock_timestamp();
      return jsonb_build_object('count', v_count, 'recheck', v_recheck);
    end
    $fn$`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop function if exists attempt_gate(text[], text, bigint, text)`.execute(db);
}
