/**
 * `identity.user.locked` for the call that locked an account through failed password checks (login
 * or password change): the throttle marks exactly one call per lock `newlyLocked`, so the event is
 * emitted once per lock, not per failed attempt. Unknown addresses are throttled too but have no
 * user to announce. The lock itself lives in the attempt store (maybe Redis), so the event is
 * written on its own; a failure to write it is logged and does not change the answer.
 */
import { createEvent } from '@authplatform/contracts';
import type { Logger } from '@authplatform/service-kit';
import type { QueryExecutorProvider } from 'kysely';
import { enqueueEvent } from '../../store/events/enqueue-event.ts';

export async function announceLock(
  deps: { db: QueryExecutorProvider; logger: Pick<Logger, 'error'> },
  userId: string | undefined,
  retryAfterSec: number,
): Promise<void> {
  if (userId === undefined) return;
  try {
    await enqueueEvent(
      deps.db,
      createEvent('identity.user.locked', {
        user_id: userId,
        reason: 'too_many_failed_logins',
        until: new Date(Date.now() + retryAfterSec * 1000).toISOString(),
      }),
    );
  } catch (error) {
    deps.logger.error('could not record an account lock', { error });
  }
}
