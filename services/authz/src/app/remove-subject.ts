/**
 * Removing everything the model holds about a subject (erasure of a user, deletion of a group): one
 * `subject.removed` change, and the events of each assignment, grant and membership that went, so
 * the consumers' projections (identity's claims) forget them too.
 */
import type { AuthzStore } from '../store/model/authz-store.ts';
import {
  type Actor,
  type EventBuilder,
  grantDeleted,
  memberRemoved,
  roleUnassigned,
} from './published-events.ts';
import type { PlannedChange } from './writer.ts';

export interface RemovedCounts {
  assignments: number;
  grants: number;
  memberships: number;
}

export async function removeSubjectChanges(
  store: AuthzStore,
  subject: string,
  actor: Actor,
): Promise<{ counts: RemovedCounts; changes: PlannedChange[] }> {
  const footprint = await store.subjectFootprint(subject);
  const counts = {
    assignments: footprint.assignments.length,
    grants: footprint.grants.length,
    memberships: footprint.memberships.length,
  };
  if (counts.assignments + counts.grants + counts.memberships === 0) return { counts, changes: [] };
  await store.removeSubject(subject);
  const events: EventBuilder[] = [
    ...footprint.assignments.map((a) => roleUnassigned(a, actor)),
    ...footprint.grants.map((g) => grantDeleted(g, actor)),
    ...footprint.memberships.map((m) => memberRemoved(m, actor)),
  ];
  return { counts, changes: [{ change: { kind: 'subject.removed', subject }, events }] };
}
