/**
 * Use case: create the first administrator (identity.md "Admin"). A verified account with a
 * password, registered with `signup_method: 'bootstrap_admin'`: authz gives it the built-in
 * `platform-admin` role through the normal event flow (identity.user.registered → authz.role.assigned
 * → identity's claims projection). Used by the `identity create-admin` CLI and by
 * `BOOTSTRAP_ADMIN_EMAIL` on start.
 */
import { randomBytes } from 'node:crypto';
import { createEvent, uuidv7 } from '@authplatform/contracts';
import { type Kysely, sql } from 'kysely';
import { isValidEmail, normalizeEmail } from '../../domain/accounts/email.ts';
import { createPasswordPolicy, hashPassword } from '../../domain/password/index.ts';
import type { AccountsDatabase } from '../../store/accounts/schema.ts';
import { enqueueEvent } from '../../store/events/enqueue-event.ts';

export interface CreateAdminInput {
  email: string;
  /** Undefined: one is generated (and returned, to be shown once). */
  password?: string | undefined;
  name?: string | undefined;
  locale?: string;
  timezone?: string;
  /** `PASSWORD_MIN_LENGTH`. */
  passwordMinLength?: number;
}

export type CreateAdminOutcome =
  | { kind: 'created'; userId: string; email: string; generatedPassword?: string }
  | { kind: 'exists'; userId: string; email: string };

export class CreateAdminError extends Error {
  readonly code: 'invalid_email' | 'weak_password';

  constructor(code: 'invalid_email' | 'weak_password', message: string) {
    super(message);
    this.code = code;
    this.name = 'CreateAdminError';
  }
}

/** 192 random bits, base64url (32 characters): passes any length policy up to 32. */
export function generatePassword(): string {
  return randomBytes(24).toString('base64url');
}

/**
 * Creates the administrator unless the address is taken (then `exists`, nothing changes, no event),
 * safe when several instances run it at once: the insert and the event share one transaction.
 */
export async function createAdmin(
  db: Kysely<AccountsDatabase>,
  input: CreateAdminInput,
): Promise<CreateAdminOutcome> {
  const email = normalizeEmail(input.email);
  if (!isValidEmail(email))
    throw new CreateAdminError('invalid_email', `Not a valid email address: ${input.email}`);
  const existing = await db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirst();
  if (existing !== undefined) return { kind: 'exists', userId: existing.id, email };

  const generated = input.password === undefined ? generatePassword() : undefined;
  const password = input.password ?? (generated as string);
  const check = createPasswordPolicy(
    input.passwordMinLength === undefined ? {} : { minLength: input.passwordMinLength },
  ).check(password, { email });
  if (!check.ok)
    throw new CreateAdminError('weak_password', `The password is refused: ${check.reasons.join(', ')}.`);
  const passwordHash = await hashPassword(check.password);

  const userId = uuidv7();
  const locale = input.locale ?? 'en';
  const timezone = input.timezone ?? 'UTC';
  const created = await db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto('users')
      .values({
        id: userId,
        email,
        email_verified_at: sql<Date>`now()`,
        password_hash: passwordHash,
        name: input.name ?? null,
        locale,
        timezone,
        status: 'active',
      })
      .onConflict((oc) => oc.column('email').doNothing())
      .returning('id')
      .executeTakeFirst();
    if (row === undefined) return false;
    await enqueueEvent(
      trx,
      createEvent('identity.user.registered', {
        user_id: userId,
        email,
        ...(input.name === undefined ? {} : { name: input.name }),
        locale,
        timezone,
        signup_method: 'bootstrap_admin',
      }),
    );
    return true;
  });
  if (!created) {
    const winner = await db
      .selectFrom('users')
      .select('id')
      .where('email', '=', email)
      .executeTakeFirstOrThrow();
    return { kind: 'exists', userId: winner.id, email };
  }
  return {
    kind: 'created',
    userId,
    email,
    ...(generated === undefined ? {} : { generatedPassword: generated }),
  };
}
