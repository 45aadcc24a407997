import type { ColumnType } from 'kysely';

export type ComplianceRequestsTable = {
  request_id: string;
  kind: 'erasure' | 'export';
  user_id: string;
  counts: ColumnType<Record<string, number>, string, string>;
  completed_at: ColumnType<Date, Date | undefined, Date>;
};

export type ComplianceDatabase = { compliance_requests: ComplianceRequestsTable };
