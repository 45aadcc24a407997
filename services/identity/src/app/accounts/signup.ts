/**
 * Use case: self-service sign-up (identity.md "Sign-up and verification").
 *
 * Whether or not the address is taken, the caller sees the same `202` after the same work: the
 * password policy is checked first (it depends only on the input), then the password is hashed in
 * both cases, then one transaction either creates the user with `identity.user.registered` and a
 * `send_email_verification` command, or only enqueues a `send_signup_attempt_existing` command to
 * the address's owner. The verification token travels only in the command.
 */

import { isIP } from 'node:net';
import { createCommand, createEvent, uuidv7 } from '@authplatform/contracts';
import { enqueueCommand } from '@authplatform/messaging';
import { isValidEmail, normalizeEmail } from '../../domain/accounts/email.ts';
import {
  EMAIL_VERIFICATION_TTL_SEC,
  newVerificationToken,
  verificationLink,
} from '../../domain/accounts/verification-token.ts';
import { hashPassword } from '../../domain/password/index.ts';
import { accountsStore } from '../../store/accounts/accounts-store.ts';
import { enqueueEvent } from '../../store/events/enqueue-event.ts';
import type { AccountsDeps, ClientInfo } from './deps.ts';
import { fieldProblem } from './errors.ts';

export interface SignupInput {
  email: string;
  password: string;
  name?: string | undefined;
  locale?: string | undefined;
  timezone?: string | undefined;
}

/** Resolves when the request was handled; the caller answers 202 in every case. */
export async function signUp(deps: AccountsDeps, input: SignupInput, client: ClientInfo): Promise<void> {
  const email = normalizeEmail(input.email);
  if (!isValidEmail(email)) throw fieldProblem('/body/email', 'format', 'Not a valid email address.');
  const checked = deps.policy.check(input.password, { email });
  if (!checked.ok) {
    throw fieldProblem(
      '/body/password',
      checked.reasons[0] ?? 'password_policy',
      `The password is not acceptable: ${checked.reasons.join(', ')}.`,
    );
  }
  // Always hashed, taken address or not: the answer takes the same time either way.
  const passwordHash = await hashPassword(checked.password);
  const userId = uuidv7();
  const locale = input.locale ?? deps.defaultLocale;
  const timezone = input.timezone ?? deps.defaultTimezone;
  const name = input.name === undefined || input.name.trim() === '' ? null : input.name.trim();

  await deps.db.transaction().execute(async (trx) => {
    const store = accountsStore(trx);
    const created = await store.insertUserIfNew({
      id: userId,
      email,
      password_hash: passwordHash,
      name,
      locale,
      timezone,
    });
    if (created) {
      const token = newVerificationToken();
      const expiresAt = await store.replaceVerificationToken({
        token_hash: token.hash,
        user_id: userId,
        email,
        ttlSec: EMAIL_VERIFICATION_TTL_SEC,
      });
      await enqueueEvent(
        trx,
        createEvent('identity.user.registered', {
          user_id: userId,
          email,
          ...(name === null ? {} : { name }),
          locale,
          timezone,
          signup_method: 'self_service',
        }),
      );
      await enqueueCommand(
        trx,
        createCommand(
          'send_email_verification',
          {
            recipient: { user_id: userId, email, ...(name === null ? {} : { name }) },
            locale,
            timezone,
            template_data: {
              link: verificationLink(deps.linkBaseUrl, token.token),
              expires_at: new Date(expiresAt).toISOString(),
              purpose: 'signup',
            },
          },
          { idempotencyKey: `email-verification:${token.hash}` },
        ),
      );
      return;
    }
    // Taken (possibly by a concurrent sign-up): tell the owner, in their own name and locale.
    const owner = await store.findUserByEmail(email);
    if (owner === undefined) return; // deleted in between: nothing to tell anyone
    const commandId = uuidv7();
    await enqueueCommand(
      trx,
      createCommand(
        'send_signup_attempt_existing',
        {
          recipient: {
            user_id: owner.id,
            email: owner.email,
            ...(owner.name === null ? {} : { name: owner.name }),
          },
          locale: owner.locale,
          timezone: owner.timezone,
          template_data: {
            attempted_at: new Date().toISOString(),
            ...(isIP(client.ip) === 0 ? {} : { ip: client.ip }),
          },
        },
        { id: commandId, idempotencyKey: `signup-attempt:${commandId}` },
      ),
    );
  });
}
