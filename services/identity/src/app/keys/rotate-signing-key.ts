/** Use case: rotate the signing keys (`POST /v1/admin/signing-keys/rotate`, or an operator's schedule). */
import { createEvent } from '@authplatform/contracts';
import type { Kysely } from 'kysely';
import { type Kek, SIGNING_ALG } from '../../domain/keys/key-material.ts';
import { retiredKeyExpiry, secondsUntilPromotable } from '../../domain/keys/rotation.ts';
import { enqueueEvent } from '../../store/events/enqueue-event.ts';
import type { KeysDatabase } from '../../store/keys/schema.ts';
import {
  activateKey,
  currentKeys,
  deleteExpiredKeys,
  lockSigningKeys,
  retireKey,
} from '../../store/keys/signing-keys-store.ts';
import { createKey } from './create-key.ts';

export interface RotationOptions {
  /**
   * Promote the `next` key even when it has been published for less than the JWKS cache lifetime
   * (an emergency: gateways that cached the JWKS may refuse new tokens until they refetch it).
   */
  force?: boolean;
}

export interface RotationResult {
  /** The key that signs from now on (the former `next`). */
  kid: string;
  /** The key that signed until now, now retired; absent when there was none. */
  previous_kid?: string;
  /** The new `next` key, published now, promoted by the following rotation. */
  next_kid: string;
  /** When the previous key leaves the JWKS. */
  previous_expires_at?: Date;
  /** Retired keys deleted because every token they signed has expired. */
  pruned: string[];
}

/** Rotation refused because the `next` key has not been published long enough. */
export class RotationTooSoonError extends Error {
  readonly code = 'rotation_too_soon';
  readonly retryAfterSec: number;
  constructor(retryAfterSec: number) {
    super(
      `The next signing key has been published for too short a time; rotate again in ${retryAfterSec} s (or force it).`,
    );
    this.name = 'RotationTooSoonError';
    this.retryAfterSec = retryAfterSec;
  }
}

export interface RotationDeps {
  db: Kysely<KeysDatabase>;
  kek: Kek;
  accessTokenTtlSec: number;
  now: () => Date;
  minNextKeyAgeSec: number;
}

/**
 * In one transaction, under the table lock of `lockSigningKeys` (so concurrent rotations run one
 * after the other and each sees the previous one's result): prune expired retired keys, retire the
 * active key, promote the `next` key, create a new `next` key, and write
 * `identity.signing_key.rotated` to the outbox.
 */
export async function rotateSigningKey(
  deps: RotationDeps,
  options: RotationOptions = {},
): Promise<RotationResult> {
  const { db, kek, accessTokenTtlSec, now } = deps;
  return db.transaction().execute(async (trx) => {
    await lockSigningKeys(trx);
    const at = now();
    const pruned = await deleteExpiredKeys(trx, at);
    const heads = await currentKeys(trx);
    const active = heads.find((k) => k.status === 'active');
    const next = heads.find((k) => k.status === 'next');
    if (next !== undefined && options.force !== true) {
      const wait = secondsUntilPromotable(next.created_at, at, deps.minNextKeyAgeSec);
      if (wait > 0) throw new RotationTooSoonError(wait);
    }
    let previousExpiresAt: Date | undefined;
    if (active !== undefined) {
      previousExpiresAt = retiredKeyExpiry(at, accessTokenTtlSec);
      await retireKey(trx, active.kid, at, previousExpiresAt);
    }
    let kid: string;
    if (next !== undefined) {
      await activateKey(trx, next.kid, at);
      kid = next.kid;
    } else {
      kid = await createKey(trx, kek, 'active', at);
    }
    const nextKid = await createKey(trx, kek, 'next', at);
    await enqueueEvent(
      trx,
      createEvent(
        'identity.signing_key.rotated',
        { kid, ...(active === undefined ? {} : { previous_kid: active.kid }), alg: SIGNING_ALG },
        { time: at },
      ),
    );
    return {
      kid,
      ...(active === undefined ? {} : { previous_kid: active.kid }),
      next_kid: nextKid,
      ...(previousExpiresAt === undefined ? {} : { previous_expires_at: previousExpiresAt }),
      pruned,
    };
  });
}
