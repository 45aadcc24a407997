/**
 * Use cases: start an email change (`POST /v1/me/email`), and confirm it with the token of the link
 * sent to the new address (`POST /v1/email-change/confirm`).
 *
 * - Start: the same `202` whether the new address is free or taken (no enumeration). When it is
 *   free (and the account made fewer than `EMAIL_CHANGE_LIMIT_PER_HOUR` requests this hour), a token
 *   bound to the user and the new address is stored (older pending ones are superseded) and a
 *   `send_email_verification` command (purpose `email_change`) carries the link to the new address.
 *   A taken address gets nothing: its owner already has an account.
 * - Confirm: the token (single use, 24 h) proves the new mailbox; one transaction uses it, sets the
 *   address (verified) and enqueues `identity.user.email_changed` with the old and new address
 *   (notifications tells the old address). Taken in the meantime → `409 email_taken` (only the
 *   holder of the new mailbox can see that).
 */
import { createCommand, createEvent } from '@authplatform/contracts';
import { enqueueCommand } from '@authplatform/messaging';
import { ProblemError } from '@authplatform/service-kit';
import { isValidEmail, normalizeEmail } from '../../domain/accounts/email.ts';
import {
  EMAIL_CHANGE_LIMIT_PER_HOUR,
  EMAIL_CHANGE_TTL_SEC,
  emailChangeLink,
  hashToken,
  MAX_TOKEN_INPUT,
  newCredentialToken,
} from '../../domain/credentials/tokens.ts';
import { credentialsStore } from '../../store/credentials/credentials-store.ts';
import { enqueueEvent } from '../../store/events/enqueue-event.ts';
import { fieldProblem } from '../accounts/errors.ts';
import { currentUser, type MeClaims } from './current-user.ts';
import type { CredentialsDeps } from './deps.ts';
import { invalidCredentialToken } from './errors.ts';

/** Resolves when handled; the caller answers 202 whether the address was free or taken. */
export async function requestEmailChange(
  deps: CredentialsDeps,
  claims: MeClaims,
  rawEmail: string,
): Promise<void> {
  const { user } = await currentUser(deps, claims);
  const newEmail = normalizeEmail(rawEmail);
  if (!isValidEmail(newEmail)) throw fieldProblem('/body/new_email', 'format', 'Not a valid email address.');
  if (newEmail === user.email) {
    throw fieldProblem('/body/new_email', 'unchanged', 'This already is the account’s address.');
  }
  const requests = await deps.attempts.hit(`email-change:${user.id}`, 3600);
  if (requests > EMAIL_CHANGE_LIMIT_PER_HOUR) return;

  await deps.db.transaction().execute(async (trx) => {
    const store = credentialsStore(trx);
    if (await store.emailTaken(newEmail)) return;
    const token = newCredentialToken();
    const expiresAt = await store.replaceToken({
      token_hash: token.hash,
      user_id: user.id,
      purpose: 'email_change',
      email: newEmail,
      ttlSec: EMAIL_CHANGE_TTL_SEC,
    });
    await enqueueCommand(
      trx,
      createCommand(
        'send_email_verification',
        {
          recipient: {
            user_id: user.id,
            email: newEmail,
            ...(user.name === null ? {} : { name: user.name }),
          },
          locale: user.locale,
          timezone: user.timezone,
          template_data: {
            link: emailChangeLink(deps.linkBaseUrl, token.token),
            expires_at: new Date(expiresAt).toISOString(),
            purpose: 'email_change',
          },
        },
        { idempotencyKey: `email-change:${token.hash}` },
      ),
    );
  });
}

function emailTaken(): ProblemError {
  return new ProblemError({
    code: 'email_taken',
    status: 409,
    title: 'Conflict',
    detail: 'Another account uses this address now; the change cannot be completed.',
  });
}

function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505';
}

export async function confirmEmailChange(
  deps: CredentialsDeps,
  token: string,
): Promise<{ userId: string; email: string }> {
  if (token.length === 0 || token.length > MAX_TOKEN_INPUT) throw invalidCredentialToken();
  const tokenHash = hashToken(token);
  try {
    return await deps.db.transaction().execute(async (trx) => {
      const store = credentialsStore(trx);
      const used = await store.consumeToken(tokenHash, 'email_change');
      if (used === undefined) throw invalidCredentialToken();
      if (await store.isDeleted(used.user_id)) throw invalidCredentialToken();
      if (await store.emailTaken(used.email)) throw emailTaken();
      const oldEmail = await store.changeEmail(used.user_id, used.email);
      if (oldEmail === undefined) throw invalidCredentialToken();
      await store.deleteUnusedTokens(used.user_id);
      await enqueueEvent(
        trx,
        createEvent('identity.user.email_changed', {
          user_id: used.user_id,
          old_email: oldEmail,
          new_email: used.email,
        }),
      );
      return { userId: used.user_id, email: used.email };
    });
  } catch (error) {
    // A concurrent sign-up or change took the address between the check and the update.
    if (isUniqueViolation(error)) throw emailTaken();
    throw error;
  }
}
