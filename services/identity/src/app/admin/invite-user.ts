/**
 * Use cases: an admin invites a user (`POST /v1/admin/users`), and the invited person accepts by
 * setting a password with the token of the invitation link (`POST /v1/invitation/accept`)
 * (identity.md "Admin"; events.md "Secrets never ride on topics").
 *
 * - Invite: one transaction creates the account as `invited` (no password: it cannot log in, reset
 *   or be enabled), stores a single-use token (SHA-256 only, `INVITATION_TTL_SEC`, default 7 days),
 *   enqueues `identity.user.registered` (signup_method `invitation`; no secret) and the
 *   `send_invitation` command carrying the link. An address that already has an account: `409`.
 * - Re-invite: inviting the address of a still `invited` account sends a new link and makes the older
 *   ones unknown (superseded); no second `registered`.
 * - Accept: the token must be known, unused and unexpired and its account still `invited`; the
 *   password must pass the policy (the token stays usable when it does not). One transaction uses
 *   the token (atomically: of two concurrent acceptances only one wins), sets the hash, makes the
 *   account `active` with its address verified (the link proved it) and enqueues
 *   `identity.user.email_verified`. The person then logs in as usual.
 */
import { createCommand, createEvent, uuidv7 } from '@authplatform/contracts';
import { enqueueCommand } from '@authplatform/messaging';
import { problems } from '@authplatform/service-kit';
import { sql } from 'kysely';
import { isValidEmail, normalizeEmail } from '../../domain/accounts/email.ts';
import { checkLocale, checkName, checkTimeZone } from '../../domain/accounts/profile.ts';
import {
  hashToken,
  invitationLink,
  MAX_TOKEN_INPUT,
  newCredentialToken,
} from '../../domain/credentials/tokens.ts';
import { hashPassword } from '../../domain/password/index.ts';
import { credentialsStore } from '../../store/credentials/credentials-store.ts';
import { enqueueEvent } from '../../store/events/enqueue-event.ts';
import type { CredentialsDeps } from '../credentials/deps.ts';
import { invalidCredentialToken, passwordRejected } from '../credentials/errors.ts';

export interface InvitationDeps extends Pick<CredentialsDeps, 'db' | 'policy' | 'linkBaseUrl' | 'logger'> {
  defaultLocale: string;
  defaultTimezone: string;
  invitationTtlSec: number;
}

export interface InviteInput {
  email: string;
  name?: string | undefined;
  locale?: string | undefined;
  timezone?: string | undefined;
}

export interface Inviter {
  /** The admin's token `sub`. */
  id: string;
}

export interface Invitation {
  userId: string;
  expiresAt: Date;
  /** False when an invitation to the same still-invited account was sent again. */
  created: boolean;
}

function checkInvite(input: InviteInput) {
  const errors: { pointer: string; code: string; detail: string }[] = [];
  const email = normalizeEmail(input.email);
  if (!isValidEmail(email))
    errors.push({ pointer: '/body/email', code: 'format', detail: 'Not a valid email address.' });
  const out: { email: string; name?: string; locale?: string; timezone?: string } = { email };
  for (const [field, rule] of [
    ['name', checkName],
    ['locale', checkLocale],
    ['timezone', checkTimeZone],
  ] as const) {
    const raw = input[field];
    if (raw === undefined) continue;
    const result = rule(raw);
    if (result.ok) out[field] = result.value;
    else errors.push({ pointer: `/body/${field}`, code: `invalid_${field}`, detail: result.reason });
  }
  if (errors.length > 0) throw problems.validation(errors);
  return out;
}

export async function inviteUser(
  deps: InvitationDeps,
  input: InviteInput,
  inviter: Inviter,
): Promise<Invitation> {
  const checked = checkInvite(input);
  const token = newCredentialToken();
  return deps.db.transaction().execute(async (trx) => {
    const existing = await trx
      .selectFrom('users')
      .select(['id', 'status', 'name', 'locale', 'timezone'])
      .where('email', '=', checked.email)
      .forUpdate()
      .executeTakeFirst();
    if (existing !== undefined && existing.status !== 'invited') {
      throw problems.conflict('user_exists', 'An account with this email address already exists.');
    }
    const userId = existing?.id ?? uuidv7();
    const name = existing === undefined ? (checked.name ?? null) : existing.name;
    const locale = existing?.locale ?? checked.locale ?? deps.defaultLocale;
    const timezone = existing?.timezone ?? checked.timezone ?? deps.defaultTimezone;
    if (existing === undefined) {
      await trx
        .insertInto('users')
        .values({
          id: userId,
          email: checked.email,
          email_verified_at: null,
          password_hash: null,
          name,
          locale,
          timezone,
          status: 'invited',
        })
        .execute();
      await enqueueEvent(
        trx,
        createEvent('identity.user.registered', {
          user_id: userId,
          email: checked.email,
          ...(name === null ? {} : { name }),
          locale,
          timezone,
          signup_method: 'invitation',
        }),
      );
    }
    const expiresAt = await credentialsStore(trx).replaceToken({
      token_hash: token.hash,
      user_id: userId,
      purpose: 'invitation',
      email: checked.email,
      ttlSec: deps.invitationTtlSec,
    });
    const inviterName = await inviterNameOf(trx, inviter.id);
    await enqueueCommand(
      trx,
      createCommand(
        'send_invitation',
        {
          recipient: { user_id: userId, email: checked.email, ...(name === null ? {} : { name }) },
          locale,
          timezone,
          template_data: {
            link: invitationLink(deps.linkBaseUrl, token.token),
            expires_at: new Date(expiresAt).toISOString(),
            ...(inviterName === undefined ? {} : { inviter_name: inviterName }),
          },
        },
        { idempotencyKey: `invitation:${token.hash}` },
      ),
    );
    return { userId, expiresAt: new Date(expiresAt), created: existing === undefined };
  });
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The inviting admin's display name when the admin is a user of this service with one. */
async function inviterNameOf(db: CredentialsDeps['db'], adminId: string): Promise<string | undefined> {
  if (!UUID.test(adminId)) return undefined;
  const row = await db.selectFrom('users').select('name').where('id', '=', adminId).executeTakeFirst();
  return row?.name ?? undefined;
}

export interface AcceptInvitationInput {
  token: string;
  new_password: string;
}

export async function acceptInvitation(
  deps: InvitationDeps,
  input: AcceptInvitationInput,
): Promise<{ userId: string; email: string }> {
  if (input.token.length === 0 || input.token.length > MAX_TOKEN_INPUT) throw invalidCredentialToken();
  const tokenHash = hashToken(input.token);
  const store = credentialsStore(deps.db);
  const pending = await store.findUsableToken(tokenHash, 'invitation');
  if (pending === undefined) throw invalidCredentialToken();
  const user = await store.findUserById(pending.user_id);
  if (user === undefined || user.status !== 'invited' || user.email !== pending.email)
    throw invalidCredentialToken();

  const checked = deps.policy.check(input.new_password, { email: user.email });
  if (!checked.ok) throw passwordRejected('/body/new_password', checked.reasons);
  const passwordHash = await hashPassword(checked.password);

  await deps.db.transaction().execute(async (trx) => {
    const tx = credentialsStore(trx);
    const used = await tx.consumeToken(tokenHash, 'invitation');
    if (used === undefined || used.user_id !== user.id) throw invalidCredentialToken();
    const activated = await trx
      .updateTable('users')
      .set({ password_hash: passwordHash, status: 'active', email_verified_at: sql<Date>`now()` })
      .where('id', '=', user.id)
      .where('status', '=', 'invited')
      .where('email', '=', used.email)
      .returning('id')
      .executeTakeFirst();
    if (activated === undefined) throw invalidCredentialToken();
    await tx.deleteUnusedTokens(user.id, 'invitation');
    await enqueueEvent(
      trx,
      createEvent('identity.user.email_verified', { user_id: user.id, email: user.email }),
    );
  });
  return { userId: user.id, email: user.email };
}
