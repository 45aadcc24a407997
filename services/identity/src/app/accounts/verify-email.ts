/**
 * Use cases: resend a verification email, and confirm an address with the token of its link.
 *
 * Tokens are single use (one atomic UPDATE marks them used), live 24 hours, and a new one
 * supersedes the older ones (they are deleted). Unknown, used, superseded and expired tokens all
 * get the same `400`.
 */
import { createCommand, createEvent } from '@authplatform/contracts';
import { enqueueCommand } from '@authplatform/messaging';
import { isValidEmail, normalizeEmail } from '../../domain/accounts/email.ts';
import {
  EMAIL_VERIFICATION_TTL_SEC,
  hashToken,
  MAX_TOKEN_INPUT,
  newVerificationToken,
  verificationLink,
} from '../../domain/accounts/verification-token.ts';
import { accountKey } from '../../domain/throttle/index.ts';
import { accountsStore } from '../../store/accounts/accounts-store.ts';
import { enqueueEvent } from '../../store/events/enqueue-event.ts';
import type { AccountsDeps } from './deps.ts';
import { invalidVerificationToken } from './errors.ts';

/** Verification emails one address can be sent per hour through resend (email-bombing guard). */
export const RESEND_LIMIT_PER_HOUR = 5;

/**
 * Sends a new verification link when the address belongs to an active, unverified account (and
 * it has not had `RESEND_LIMIT_PER_HOUR` already); otherwise does nothing. The caller answers
 * `202` in every case.
 */
export async function resendVerification(deps: AccountsDeps, rawEmail: string): Promise<void> {
  const email = normalizeEmail(rawEmail);
  if (!isValidEmail(email)) return;
  const user = await accountsStore(deps.db).findUserByEmail(email);
  if (user === undefined || user.email_verified_at !== null || user.status !== 'active') return;
  const sent = await deps.attempts.hit(`verify-resend:${accountKey(email)}`, 3600);
  if (sent > RESEND_LIMIT_PER_HOUR) return;

  await deps.db.transaction().execute(async (trx) => {
    const token = newVerificationToken();
    const expiresAt = await accountsStore(trx).replaceVerificationToken({
      token_hash: token.hash,
      user_id: user.id,
      email: user.email,
      ttlSec: EMAIL_VERIFICATION_TTL_SEC,
    });
    await enqueueCommand(
      trx,
      createCommand(
        'send_email_verification',
        {
          recipient: {
            user_id: user.id,
            email: user.email,
            ...(user.name === null ? {} : { name: user.name }),
          },
          locale: user.locale,
          timezone: user.timezone,
          template_data: {
            link: verificationLink(deps.linkBaseUrl, token.token),
            expires_at: new Date(expiresAt).toISOString(),
            purpose: 'signup',
          },
        },
        { idempotencyKey: `email-verification:${token.hash}` },
      ),
    );
  });
}

/** Confirms the address of a token's link; throws the generic `400` for any unusable token. */
export async function confirmEmailVerification(
  deps: AccountsDeps,
  token: string,
): Promise<{ userId: string }> {
  if (token.length === 0 || token.length > MAX_TOKEN_INPUT) throw invalidVerificationToken();
  const tokenHash = hashToken(token);
  return deps.db.transaction().execute(async (trx) => {
    const store = accountsStore(trx);
    const used = await store.consumeVerificationToken(tokenHash);
    if (used === undefined) throw invalidVerificationToken();
    const verified = await store.markEmailVerified(used.user_id, used.email);
    if (verified) {
      await enqueueEvent(
        trx,
        createEvent('identity.user.email_verified', { user_id: used.user_id, email: used.email }),
      );
    }
    return { userId: used.user_id };
  });
}
