/**
 * Use case: `PATCH /v1/me` — the user changes their display name, locale or time zone
 * (identity.md "Self-service account").
 *
 * Every given field is checked (domain/accounts/profile.ts) before anything is written; one bad
 * field refuses the whole request with a field error and changes nothing. One transaction updates
 * the fields whose value really changes and enqueues `identity.user.updated` naming only those
 * (`changed`, and their new values); a request that changes nothing writes and emits nothing.
 * The phone number of the event's catalogue is not a profile field here: it arrives with SMS MFA
 * enrolment (`POST /v1/me/mfa/sms`), which proves the user controls it.
 */
import { createEvent, type EventData } from '@authplatform/contracts';
import { type FieldError, problems } from '@authplatform/service-kit';
import { checkLocale, checkName, checkTimeZone, type ProfileCheck } from '../../domain/accounts/profile.ts';
import { enqueueEvent } from '../../store/events/enqueue-event.ts';
import type { SessionsDeps } from './deps.ts';
import { isUuid } from './manage-sessions.ts';
import { type Profile, readProfile } from './profile.ts';

export interface ProfileChange {
  name?: string | undefined;
  locale?: string | undefined;
  timezone?: string | undefined;
}

type Field = keyof ProfileChange;
const RULES: Record<Field, (raw: string) => ProfileCheck> = {
  name: checkName,
  locale: checkLocale,
  timezone: checkTimeZone,
};

/** The checked, canonical values; a 400 naming every bad field otherwise. */
function checkChange(change: ProfileChange): { [K in Field]?: string } {
  const errors: FieldError[] = [];
  const checked: { [K in Field]?: string } = {};
  for (const field of Object.keys(RULES) as Field[]) {
    const raw = change[field];
    if (raw === undefined) continue;
    const result = RULES[field](raw);
    if (result.ok) checked[field] = result.value;
    else errors.push({ pointer: `/body/${field}`, code: `invalid_${field}`, detail: result.reason });
  }
  if (errors.length > 0) throw problems.validation(errors);
  return checked;
}

/** The profile as it is after the change; undefined when the user is not active (or unknown). */
export async function updateProfile(
  deps: Pick<SessionsDeps, 'db'>,
  userId: string,
  change: ProfileChange,
): Promise<Profile | undefined> {
  if (!isUuid(userId)) return undefined;
  const checked = checkChange(change);
  const found = await deps.db.transaction().execute(async (trx) => {
    const user = await trx
      .selectFrom('users')
      .selectAll()
      .where('id', '=', userId)
      .forUpdate()
      .executeTakeFirst();
    if (user === undefined || user.status !== 'active') return false;
    const updates: { name?: string; locale?: string; timezone?: string } = {};
    if (checked.name !== undefined && checked.name !== user.name) updates.name = checked.name;
    if (checked.locale !== undefined && checked.locale !== user.locale) updates.locale = checked.locale;
    if (checked.timezone !== undefined && checked.timezone !== user.timezone)
      updates.timezone = checked.timezone;
    const changed = (Object.keys(updates) as Field[]).sort();
    if (changed.length === 0) return true;
    await trx.updateTable('users').set(updates).where('id', '=', userId).execute();
    const data: EventData<'identity.user.updated'> = {
      user_id: userId,
      changed: changed as EventData<'identity.user.updated'>['changed'],
      ...updates,
    };
    await enqueueEvent(trx, createEvent('identity.user.updated', data));
    return true;
  });
  if (!found) return undefined;
  return readProfile(deps, userId);
}
