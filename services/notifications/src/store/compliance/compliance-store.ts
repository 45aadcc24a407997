/** The compliance requests this service has reported on (see the migration). */
import type { Kysely } from 'kysely';
import type { ComplianceDatabase } from './schema.ts';

export function complianceStore(db: Kysely<ComplianceDatabase>) {
  return {
    /**
     * Records that the part of `requestId` was reported; false when it had been already (then the
     * caller does not report it again). Concurrent callers: the second waits on the first's row.
     */
    async markReported(
      requestId: string,
      kind: 'erasure' | 'export',
      userId: string,
      counts: Record<string, number>,
    ): Promise<boolean> {
      const result = await db
        .insertInto('compliance_requests')
        .values({ request_id: requestId, kind, user_id: userId, counts: JSON.stringify(counts) })
        .onConflict((oc) => oc.columns(['request_id', 'kind']).doNothing())
        .returning('request_id')
        .executeTakeFirst();
      return result !== undefined;
    },
  };
}
