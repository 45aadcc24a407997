import type { ColumnType, Generated } from 'kysely';

type BigintColumn = ColumnType<string, string | number | bigint, string | number | bigint>;

export type AuditRecordsTable = {
  seq: BigintColumn;
  id: string;
  event_id: string;
  type: string;
  occurred_at: Date;
  recorded_at: Generated<Date>;
  source: string;
  actor_type: string;
  actor_id: string | null;
  subject: string | null;
  user_id: string | null;
  outcome: string;
  /** The event data as RFC 8785 canonical JSON text; null when sealed (or erased). */
  data: ColumnType<string | null, string | null, never>;
  sealed: string | null;
  prev_hash: string;
  hash: string;
};

export type AuditChainHeadTable = {
  id: Generated<boolean>;
  seq: BigintColumn;
  hash: string;
};

export type AuditDataKeysTable = {
  user_id: string;
  wrapped_key: string | null;
  created_at: Generated<Date>;
  shredded_at: Date | null;
};

// A type alias, not an interface: kysely's `withTables<T>` needs the implicit index signature.
export type AuditDatabase = {
  audit_records: AuditRecordsTable;
  audit_chain_head: AuditChainHeadTable;
  audit_data_keys: AuditDataKeysTable;
};
