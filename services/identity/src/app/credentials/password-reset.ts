/**
 * Use cases: request a password reset, and set a new password with the token of its link
 * (identity.md "Self-service account", "Credentials and abuse"; events.md "Secrets never ride on topics").
 *
 * - Request: always the same answer after at least `resetRequestFloorMs`, whatever the address.
 *   For an active account (and at most `PASSWORD_RESET_LIMIT_PER_HOUR` per address and hour) one
 *   transaction stores a new token (older unused ones are deleted: superseded), enqueues
 *   `identity.password.reset_requested` (no secret) and the `send_password_reset` command (the link).
 * - Confirm: the token must be known, unused and unexpired (30 min); the new password must pass the
 *   policy (the token stays usable when it does not). One transaction uses the token (atomically),
 *   sets the hash, revokes every session and enqueues `identity.password.changed` (method `reset`);
 *   then the login throttle forgets the account's failures and lock (`unlock`), with
 *   `identity.user.unlocked` when it was locked.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createCommand, createEvent } from '@authplatform/contracts';
import { enqueueCommand } from '@authplatform/messaging';
import { isValidEmail, normalizeEmail } from '../../domain/accounts/email.ts';
import { truncateUserAgent } from '../../domain/accounts/login-policy.ts';
import {
  hashToken,
  MAX_TOKEN_INPUT,
  newCredentialToken,
  PASSWORD_RESET_LIMIT_PER_HOUR,
  PASSWORD_RESET_TTL_SEC,
  passwordResetLink,
} from '../../domain/credentials/tokens.ts';
import { hashPassword } from '../../domain/password/index.ts';
import { accountKey } from '../../domain/throttle/index.ts';
import { credentialsStore } from '../../store/credentials/credentials-store.ts';
import { enqueueEvent } from '../../store/events/enqueue-event.ts';
import { eventIp } from '../accounts/errors.ts';
import type { CredentialsDeps } from './deps.ts';
import { invalidCredentialToken, passwordRejected } from './errors.ts';
import { revokeSessions } from './revoke-sessions.ts';

export interface ResetClient {
  ip: string;
  userAgent: string | undefined;
}

/** Resolves when handled; the caller answers 202 in every case. */
export async function requestPasswordReset(
  deps: CredentialsDeps,
  rawEmail: string,
  client: ResetClient,
): Promise<void> {
  const started = performance.now();
  try {
    await sendResetLink(deps, rawEmail, client);
  } finally {
    // Known or unknown address, limited or not: the same least time (the real work stays below it).
    const left = deps.resetRequestFloorMs - (performance.now() - started);
    if (left > 0) await sleep(left);
  }
}

async function sendResetLink(deps: CredentialsDeps, rawEmail: string, client: ResetClient): Promise<void> {
  const email = normalizeEmail(rawEmail);
  if (!isValidEmail(email)) return;
  // Counted for every address, known or not, so the limit reveals nothing either.
  const requests = await deps.attempts.hit(`pwreset:${accountKey(email)}`, 3600);
  const user = await credentialsStore(deps.db).findUserByEmail(email);
  if (user === undefined || user.status !== 'active' || requests > PASSWORD_RESET_LIMIT_PER_HOUR) return;

  await deps.db.transaction().execute(async (trx) => {
    const store = credentialsStore(trx);
    if (await store.isDeleted(user.id)) return;
    const token = newCredentialToken();
    const expiresAt = await store.replaceToken({
      token_hash: token.hash,
      user_id: user.id,
      purpose: 'password_reset',
      email: user.email,
      ttlSec: PASSWORD_RESET_TTL_SEC,
    });
    await enqueueEvent(
      trx,
      createEvent('identity.password.reset_requested', {
        user_id: user.id,
        ip: eventIp(client.ip),
        user_agent: truncateUserAgent(client.userAgent),
      }),
    );
    await enqueueCommand(
      trx,
      createCommand(
        'send_password_reset',
        {
          recipient: {
            user_id: user.id,
            email: user.email,
            ...(user.name === null ? {} : { name: user.name }),
          },
          locale: user.locale,
          timezone: user.timezone,
          template_data: {
            link: passwordResetLink(deps.linkBaseUrl, token.token),
            expires_at: new Date(expiresAt).toISOString(),
          },
        },
        { idempotencyKey: `password-reset:${token.hash}` },
      ),
    );
  });
}

export interface ConfirmResetInput {
  token: string;
  new_password: string;
}

export async function confirmPasswordReset(
  deps: CredentialsDeps,
  input: ConfirmResetInput,
  client: { ip: string },
): Promise<{ userId: string; sessionsRevoked: number }> {
  if (input.token.length === 0 || input.token.length > MAX_TOKEN_INPUT) throw invalidCredentialToken();
  const tokenHash = hashToken(input.token);
  const store = credentialsStore(deps.db);
  const pending = await store.findUsableToken(tokenHash, 'password_reset');
  if (pending === undefined) throw invalidCredentialToken();
  const user = await store.findUserById(pending.user_id);
  if (user === undefined || user.status !== 'active') throw invalidCredentialToken();

  const checked = deps.policy.check(input.new_password, { email: user.email });
  if (!checked.ok) throw passwordRejected('/body/new_password', checked.reasons);
  const passwordHash = await hashPassword(checked.password);

  const sessionsRevoked = await deps.db.transaction().execute(async (trx) => {
    const tx = credentialsStore(trx);
    // The atomic step: of two concurrent confirmations only one gets the token.
    const used = await tx.consumeToken(tokenHash, 'password_reset');
    if (used === undefined || used.user_id !== user.id) throw invalidCredentialToken();
    await tx.setPasswordHash(user.id, passwordHash);
    await tx.deleteUnusedTokens(user.id, 'password_reset');
    const revoked = await revokeSessions(trx, user.id, 'password_changed', { type: 'user', id: user.id });
    await enqueueEvent(
      trx,
      createEvent('identity.password.changed', {
        user_id: user.id,
        method: 'reset',
        sessions_revoked: revoked,
      }),
    );
    return revoked;
  });

  // A reset unlocks the account (identity.md); the password is already changed if this fails.
  try {
    const state = await deps.throttle.check({ account: user.email, ip: client.ip });
    await deps.throttle.unlock(user.email);
    if (state.locked) {
      await enqueueEvent(
        deps.db,
        createEvent('identity.user.unlocked', {
          user_id: user.id,
          reason: 'password_reset',
          actor: { type: 'user', id: user.id },
        }),
      );
    }
  } catch (error) {
    deps.logger.error('could not unlock the account after a password reset', { error });
  }
  return { userId: user.id, sessionsRevoked };
}
