/**
 * The key ring of the identity service: makes sure an `active` and a `next` key exist, publishes
 * the JWKS, hands the active private key to the signer (decrypted once and cached in memory), and
 * rotates keys (see `rotate-signing-key.ts`).
 */
import type { KeyObject } from 'node:crypto';
import type { Kysely } from 'kysely';
import {
  decryptPrivateKey,
  type Kek,
  type PublicJwk,
  SigningKeyError,
} from '../../domain/keys/key-material.ts';
import { KEY_REFRESH_INTERVAL_MS, MIN_NEXT_KEY_AGE_SEC } from '../../domain/keys/rotation.ts';
import type { KeysDatabase } from '../../store/keys/schema.ts';
import {
  activateKey,
  activeKid,
  currentKeys,
  deleteExpiredKeys,
  findKey,
  lockSigningKeys,
  publishedKeys,
} from '../../store/keys/signing-keys-store.ts';
import { createKey } from './create-key.ts';
import { type RotationOptions, type RotationResult, rotateSigningKey } from './rotate-signing-key.ts';

export interface SigningKeysOptions {
  /** The service database (`database.db.withTables<KeysDatabase>()`). */
  db: Kysely<KeysDatabase>;
  kek: Kek;
  /** `ACCESS_TOKEN_TTL_SEC`: how long retired keys stay published. */
  accessTokenTtlSec: number;
  /** Clock of every stored time (tests move it). Default the system clock. */
  now?: () => Date;
  /** Minimum time the `next` key is published before rotation promotes it. Default 330 s. */
  minNextKeyAgeSec?: number;
  /** How long the active key is used before re-reading which key is active. Default 5 s. */
  refreshIntervalMs?: number;
}

export interface ActiveSigningKey {
  kid: string;
  privateKey: KeyObject;
}

export interface EnsuredKeys {
  active: string;
  next: string;
  /** Keys this call created (empty when both existed). */
  created: string[];
}

export interface SigningKeys {
  /** Start-up: creates the `active` and `next` keys that are missing; prunes expired retired keys. */
  ensureKeys(): Promise<EnsuredKeys>;
  /** `next` → `active`, `active` → `retired`, a new `next`; the event goes to the outbox in the same transaction. */
  rotate(options?: RotationOptions): Promise<RotationResult>;
  /** The JWKS document: public parts of next, active and unexpired retired keys. */
  jwks(): Promise<{ keys: PublicJwk[] }>;
  /**
   * The key to sign with now. The cached key is served for `refreshIntervalMs` after it was last
   * checked; from half that age on, which key is active is re-read in the background, so under
   * steady traffic no caller waits for the database. Only a cache older than the interval (or
   * none) makes the caller wait for the re-read — so never call this while holding a pool
   * connection (inside a transaction): take a signer before it (`IssueAccessToken.signer`).
   */
  activeKey(): Promise<ActiveSigningKey>;
  /** Deletes retired keys whose tokens have all expired; returns their kids. */
  pruneExpired(): Promise<string[]>;
  /** Forgets the cached active key (the next `activeKey()` re-reads it). */
  invalidate(): void;
}

export function createSigningKeys(options: SigningKeysOptions): SigningKeys {
  const { db, kek, accessTokenTtlSec } = options;
  const now = options.now ?? (() => new Date());
  const refreshIntervalMs = options.refreshIntervalMs ?? KEY_REFRESH_INTERVAL_MS;
  const minNextKeyAgeSec = options.minNextKeyAgeSec ?? MIN_NEXT_KEY_AGE_SEC;

  let cached: (ActiveSigningKey & { checkedAt: number }) | undefined;
  let loading: Promise<ActiveSigningKey> | undefined;
  /** Bumped by `invalidate`: a re-read started before it must not put back what it read. */
  let generation = 0;

  async function load(): Promise<ActiveSigningKey> {
    const started = generation;
    // The time of the read, not of its answer: the interval counts from what the database said.
    const checkedAt = performance.now();
    const kid = await activeKid(db);
    if (kid === undefined) {
      throw new SigningKeyError(
        'signing_key_missing',
        'There is no active signing key (ensureKeys has not run).',
      );
    }
    if (cached?.kid === kid) {
      const fresh = { ...cached, checkedAt };
      if (started === generation) cached = fresh;
      return fresh;
    }
    const stored = await findKey(db, kid);
    if (stored === undefined) {
      throw new SigningKeyError('signing_key_missing', `Signing key ${kid} disappeared while loading it.`);
    }
    const privateKey = decryptPrivateKey(kek, kid, stored);
    const loaded = { kid, privateKey, checkedAt };
    if (started === generation) cached = loaded;
    return loaded;
  }

  async function ensureKeys(): Promise<EnsuredKeys> {
    const heads = await currentKeys(db);
    const active = heads.find((k) => k.status === 'active');
    const next = heads.find((k) => k.status === 'next');
    if (active !== undefined && next !== undefined) {
      await pruneExpired();
      return { active: active.kid, next: next.kid, created: [] };
    }
    return db.transaction().execute(async (trx) => {
      await lockSigningKeys(trx);
      const at = now();
      await deleteExpiredKeys(trx, at);
      const locked = await currentKeys(trx);
      const created: string[] = [];
      let activeKidNow = locked.find((k) => k.status === 'active')?.kid;
      let nextKidNow = locked.find((k) => k.status === 'next')?.kid;
      if (activeKidNow === undefined && nextKidNow !== undefined) {
        // Only a published `next` key: better to sign with it than with a key nobody has seen.
        await activateKey(trx, nextKidNow, at);
        activeKidNow = nextKidNow;
        nextKidNow = undefined;
      }
      if (activeKidNow === undefined) {
        activeKidNow = await createKey(trx, kek, 'active', at);
        created.push(activeKidNow);
      }
      if (nextKidNow === undefined) {
        nextKidNow = await createKey(trx, kek, 'next', at);
        created.push(nextKidNow);
      }
      return { active: activeKidNow, next: nextKidNow, created };
    });
  }

  async function pruneExpired(): Promise<string[]> {
    return db.transaction().execute(async (trx) => {
      await lockSigningKeys(trx);
      return deleteExpiredKeys(trx, now());
    });
  }

  /** One re-read at a time; concurrent callers share it. */
  function reload(): Promise<ActiveSigningKey> {
    if (loading !== undefined) return loading;
    const current: Promise<ActiveSigningKey> = load().finally(() => {
      if (loading === current) loading = undefined;
    });
    loading = current;
    return current;
  }

  function invalidate(): void {
    cached = undefined;
    loading = undefined;
    generation += 1;
  }

  return {
    ensureKeys,
    pruneExpired,
    invalidate,
    rotate: async (rotation = {}) => {
      const result = await rotateSigningKey({ db, kek, accessTokenTtlSec, now, minNextKeyAgeSec }, rotation);
      invalidate();
      return result;
    },
    jwks: async () => ({ keys: await publishedKeys(db, now()) }),
    activeKey: () => {
      const age = cached === undefined ? Number.POSITIVE_INFINITY : performance.now() - cached.checkedAt;
      if (cached !== undefined && age < refreshIntervalMs) {
        // Past half the interval, re-read in the background: callers keep the cached key and do not
        // wait for the database (nor for a pool connection) while the re-read runs.
        if (age >= refreshIntervalMs / 2 && loading === undefined) reload().catch(() => undefined);
        return Promise.resolve(cached);
      }
      return reload();
    },
  };
}
