/**
 * Queries of the audit log. `append` runs inside the consumer's transaction (with the inbox row), so an
 * event is recorded exactly once; it locks the chain head, so concurrent consumers append one after the
 * other and the chain stays linear.
 */
import { uuidv7 } from '@authplatform/contracts';
import canonicalize from 'canonicalize';
import { type Kysely, sql, type Transaction } from 'kysely';
import { type ChainedRecord, chainHash, type StoredRecord } from '../../domain/log/chain.ts';
import type { ActorType, AuditFacts, Outcome } from '../../domain/log/record.ts';
import { newDataKey, open, seal, unwrapDataKey, wrapDataKey } from '../../domain/log/sealing.ts';
import type { AuditDatabase } from './schema.ts';

export interface AuditRecordRow extends StoredRecord {
  recorded_at: string;
}

/** A record as the API shows it: personal data opened with the user's key, or marked erased. */
export interface AuditRecordView {
  id: string;
  seq: string;
  event_id: string;
  type: string;
  occurred_at: string;
  recorded_at: string;
  source: string;
  actor: { type: ActorType; id?: string };
  subject: string | null;
  user_id: string | null;
  outcome: Outcome;
  ip: string | null;
  user_agent: string | null;
  /** The event data; null when it was sealed for a user whose key has been destroyed. */
  data: Record<string, unknown> | null;
  /**
   * The sealed part could not be opened (a wrong key-encryption key, a damaged row): the record is
   * still listed, without its personal data, rather than failing the whole page.
   */
  unreadable: boolean;
  erased: boolean;
  hash: string;
  prev_hash: string;
}

export interface ListFilters {
  actor?: string | undefined;
  user?: string | undefined;
  subject?: string | undefined;
  type?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  /** Records older than this sequence number (newest first). */
  before?: string | undefined;
  limit: number;
}

interface SealedPayload {
  data: Record<string, unknown>;
  ip: string | null;
  user_agent: string | null;
}

const columns = [
  'seq',
  'id',
  'event_id',
  'type',
  'occurred_at',
  'recorded_at',
  'source',
  'actor_type',
  'actor_id',
  'subject',
  'user_id',
  'outcome',
  'data',
  'sealed',
  'prev_hash',
  'hash',
] as const;

type Row = {
  seq: string;
  id: string;
  event_id: string;
  type: string;
  occurred_at: Date;
  recorded_at: Date;
  source: string;
  actor_type: string;
  actor_id: string | null;
  subject: string | null;
  user_id: string | null;
  outcome: string;
  data: unknown;
  sealed: string | null;
  prev_hash: string;
  hash: string;
};

function toStored(row: Row): AuditRecordRow {
  return {
    seq: String(row.seq),
    id: row.id,
    event_id: row.event_id,
    type: row.type,
    occurred_at: row.occurred_at.toISOString(),
    source: row.source,
    actor_type: row.actor_type,
    actor_id: row.actor_id,
    subject: row.subject,
    user_id: row.user_id,
    outcome: row.outcome,
    // Stored as canonical JSON text (what the hash covers).
    data: typeof row.data === 'string' ? (JSON.parse(row.data) as unknown) : null,
    sealed: row.sealed,
    prev_hash: row.prev_hash,
    hash: row.hash,
    recorded_at: row.recorded_at.toISOString(),
  };
}

/**
 * Appending to the log, inside the caller's transaction (the consumer's, with the inbox row).
 * Only the key-encryption key is needed: everything else comes through the transaction.
 */
export function auditLogWriter(kek: Buffer) {
  /** The user's data key, created on first use; null once it has been destroyed (erasure). */
  async function dataKeyFor(trx: Kysely<AuditDatabase>, userId: string): Promise<Buffer | null> {
    await trx
      .insertInto('audit_data_keys')
      .values({ user_id: userId, wrapped_key: wrapDataKey(kek, newDataKey(), userId), shredded_at: null })
      .onConflict((oc) => oc.column('user_id').doNothing())
      .execute();
    const row = await trx
      .selectFrom('audit_data_keys')
      .select(['wrapped_key'])
      .where('user_id', '=', userId)
      .executeTakeFirstOrThrow();
    return row.wrapped_key === null ? null : unwrapDataKey(kek, row.wrapped_key, userId);
  }

  return {
    /** Appends one record for an event; returns its sequence number and hash. */
    async append(trx: Transaction<AuditDatabase>, facts: AuditFacts): Promise<{ seq: string; hash: string }> {
      const head = await trx
        .selectFrom('audit_chain_head')
        .select(['seq', 'hash'])
        .where('id', '=', true)
        .forUpdate()
        .executeTakeFirstOrThrow();
      let data: Record<string, unknown> | null = facts.data;
      let sealed: string | null = null;
      if (facts.userId !== null) {
        const key = await dataKeyFor(trx, facts.userId);
        const payload: SealedPayload = { data: facts.data, ip: facts.ip, user_agent: facts.userAgent };
        // A user whose key was destroyed: nothing personal is kept about them any more.
        sealed = key === null ? null : seal(key, Buffer.from(JSON.stringify(payload), 'utf8'), facts.eventId);
        data = null;
      }
      const record: ChainedRecord = {
        seq: String(BigInt(head.seq) + 1n),
        id: uuidv7(),
        event_id: facts.eventId,
        type: facts.type,
        occurred_at: facts.occurredAt.toISOString(),
        source: facts.source,
        actor_type: facts.actorType,
        actor_id: facts.actorId,
        subject: facts.subject,
        user_id: facts.userId,
        outcome: facts.outcome,
        data,
        sealed,
      };
      const hash = chainHash(head.hash, record);
      await trx
        .insertInto('audit_records')
        .values({
          ...record,
          occurred_at: facts.occurredAt,
          data: data === null ? null : (canonicalize(data) ?? null),
          prev_hash: head.hash,
          hash,
        })
        .execute();
      await trx
        .updateTable('audit_chain_head')
        .set({ seq: record.seq, hash })
        .where('id', '=', true)
        .execute();
      return { seq: record.seq, hash };
    },

    /** Crypto-shredding: destroys the user's data key; their sealed data can never be opened again. */
    async shredDataKey(trx: Kysely<AuditDatabase>, userId: string): Promise<boolean> {
      const result = await trx
        .insertInto('audit_data_keys')
        .values({ user_id: userId, wrapped_key: null, shredded_at: new Date() })
        .onConflict((oc) =>
          oc.column('user_id').doUpdateSet({
            wrapped_key: null,
            shredded_at: sql<Date>`coalesce(audit_data_keys.shredded_at, now())`,
          }),
        )
        .executeTakeFirst();
      return (result.numInsertedOrUpdatedRows ?? 0n) > 0n;
    },
  };
}

export type AuditLogWriter = ReturnType<typeof auditLogWriter>;

/** Reading the log: lists, single records (personal data opened), ranges for verification. */
export function auditLogReader(database: Kysely<AuditDatabase>, kek: Buffer) {
  async function readKeys(userIds: string[]): Promise<Map<string, Buffer | null | 'unreadable'>> {
    const keys = new Map<string, Buffer | null | 'unreadable'>();
    if (userIds.length === 0) return keys;
    const rows = await database
      .selectFrom('audit_data_keys')
      .select(['user_id', 'wrapped_key'])
      .where('user_id', 'in', [...new Set(userIds)])
      .execute();
    for (const row of rows) {
      if (row.wrapped_key === null) {
        keys.set(row.user_id, null);
        continue;
      }
      try {
        keys.set(row.user_id, unwrapDataKey(kek, row.wrapped_key, row.user_id));
      } catch {
        keys.set(row.user_id, 'unreadable');
      }
    }
    return keys;
  }

  function view(row: AuditRecordRow, keys: Map<string, Buffer | null | 'unreadable'>): AuditRecordView {
    let payload: SealedPayload | null = null;
    let erased = false;
    let unreadable = false;
    if (row.sealed !== null && row.user_id !== null) {
      const key = keys.get(row.user_id);
      if (key == null) erased = true;
      else if (key === 'unreadable') unreadable = true;
      else {
        try {
          payload = JSON.parse(open(key, row.sealed, row.event_id).toString('utf8')) as SealedPayload;
        } catch {
          unreadable = true;
        }
      }
    } else if (row.user_id !== null && row.data === null) {
      erased = true;
    }
    const clear = (row.data ?? null) as Record<string, unknown> | null;
    return {
      id: row.id,
      seq: row.seq,
      event_id: row.event_id,
      type: row.type,
      occurred_at: row.occurred_at,
      recorded_at: row.recorded_at,
      source: row.source,
      // Only this service writes these columns, from the closed sets of domain/log/record.ts.
      actor:
        row.actor_id === null
          ? { type: row.actor_type as ActorType }
          : { type: row.actor_type as ActorType, id: row.actor_id },
      subject: row.subject,
      user_id: row.user_id,
      outcome: row.outcome as Outcome,
      ip: payload?.ip ?? (typeof clear?.ip === 'string' ? clear.ip : null),
      user_agent: payload?.user_agent ?? (typeof clear?.user_agent === 'string' ? clear.user_agent : null),
      data: payload?.data ?? clear,
      erased,
      unreadable,
      hash: row.hash,
      prev_hash: row.prev_hash,
    };
  }

  return {
    async list(filters: ListFilters): Promise<AuditRecordView[]> {
      let query = database.selectFrom('audit_records').select(columns);
      if (filters.actor !== undefined) query = query.where('actor_id', '=', filters.actor);
      if (filters.user !== undefined) query = query.where('user_id', '=', filters.user);
      if (filters.subject !== undefined) query = query.where('subject', '=', filters.subject);
      if (filters.type !== undefined) query = query.where('type', '=', filters.type);
      if (filters.from !== undefined) query = query.where('occurred_at', '>=', filters.from);
      if (filters.to !== undefined) query = query.where('occurred_at', '<', filters.to);
      if (filters.before !== undefined) query = query.where('seq', '<', filters.before);
      const rows = (await query.orderBy('seq', 'desc').limit(filters.limit).execute()) as Row[];
      const stored = rows.map(toStored);
      const keys = await readKeys(stored.flatMap((r) => (r.user_id === null ? [] : [r.user_id])));
      return stored.map((r) => view(r, keys));
    },

    async get(id: string): Promise<AuditRecordView | undefined> {
      const row = (await database
        .selectFrom('audit_records')
        .select(columns)
        .where('id', '=', id)
        .executeTakeFirst()) as Row | undefined;
      if (row === undefined) return undefined;
      const stored = toStored(row);
      return view(stored, await readKeys(stored.user_id === null ? [] : [stored.user_id]));
    },

    /** Records with `after < seq <= until`, ascending, as stored (for verification and exports). */
    async storedRange(after: string, until: string | undefined, limit: number): Promise<AuditRecordRow[]> {
      let query = database.selectFrom('audit_records').select(columns).where('seq', '>', after);
      if (until !== undefined) query = query.where('seq', '<=', until);
      const rows = (await query.orderBy('seq', 'asc').limit(limit).execute()) as Row[];
      return rows.map(toStored);
    },

    /** The record just before `seq` (its hash starts the verification of a range). */
    async storedBefore(seq: string): Promise<AuditRecordRow | undefined> {
      const row = (await database
        .selectFrom('audit_records')
        .select(columns)
        .where('seq', '<', seq)
        .orderBy('seq', 'desc')
        .limit(1)
        .executeTakeFirst()) as Row | undefined;
      return row === undefined ? undefined : toStored(row);
    },

    /**
     * The sequence bounds of the records recorded in a time range (by `recorded_at`, the clock of the
     * log itself), for `verify?from=&to=`; every record between the bounds is then checked.
     */
    async seqBounds(
      from: Date | undefined,
      to: Date | undefined,
    ): Promise<{ first: string | null; last: string | null }> {
      let query = database
        .selectFrom('audit_records')
        .select([sql<string | null>`min(seq)`.as('first'), sql<string | null>`max(seq)`.as('last')]);
      if (from !== undefined) query = query.where('recorded_at', '>=', from);
      if (to !== undefined) query = query.where('recorded_at', '<', to);
      const row = await query.executeTakeFirstOrThrow();
      return {
        first: row.first === null ? null : String(row.first),
        last: row.last === null ? null : String(row.last),
      };
    },

    async head(): Promise<{ seq: string; hash: string }> {
      const row = await database
        .selectFrom('audit_chain_head')
        .select(['seq', 'hash'])
        .where('id', '=', true)
        .executeTakeFirstOrThrow();
      return { seq: String(row.seq), hash: row.hash };
    },
  };
}

export type AuditLogReader = ReturnType<typeof auditLogReader>;
