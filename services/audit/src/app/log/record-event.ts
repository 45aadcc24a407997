import type { CloudEvent } from '@authplatform/contracts';
import type { Transaction } from 'kysely';
import { auditFactsOf } from '../../domain/log/record.ts';
import type { AuditLogWriter } from '../../store/log/audit-log-store.ts';
import type { AuditDatabase } from '../../store/log/schema.ts';

/** Records one consumed event in the log, in the consumer's transaction (exactly once with the inbox). */
export async function recordEvent(
  writer: AuditLogWriter,
  trx: Transaction<AuditDatabase>,
  event: CloudEvent,
): Promise<{ seq: string; hash: string }> {
  return writer.append(trx, auditFactsOf(event));
}
