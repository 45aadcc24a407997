import { randomBytes } from 'node:crypto';
import { hash, type Options, parseOptions, verify } from '@node-rs/argon2';

/**
 * Password hashing: argon2id through `@node-rs/argon2`, whose async functions run on the libuv
 * thread pool (off the event loop). Every hash is a PHC string that carries its own parameters
 * (`$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`), so old hashes keep verifying after the
 * parameters change and are flagged `needsRehash` at the next successful login.
 *
 * The comparison of the computed and the stored digest happens inside the native binding (the
 * RustCrypto `argon2` crate), which compares in constant time (`subtle`).
 */

/** argon2id numeric id in `@node-rs/argon2` (its `Algorithm` is an ambient const enum, unusable under isolatedModules). */
const ARGON2ID = 2;
/** argon2 version 0x13 in `@node-rs/argon2`'s `Version` enum. */
const VERSION_0X13 = 1;

export interface Argon2Params {
  /** Memory in KiB (`m=`). */
  memoryCost: number;
  /** Passes (`t=`). */
  timeCost: number;
  /** Lanes (`p=`). */
  parallelism: number;
  /** Digest length in bytes. */
  outputLen: number;
}

/** OWASP password storage cheat sheet, first argon2id option: 19 MiB, 2 passes, 1 lane. */
export const OWASP_ARGON2ID: Readonly<Argon2Params> = Object.freeze({
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
  outputLen: 32,
});

/** Salt length in bytes (the argon2 spec recommends 16). */
const SALT_BYTES = 16;

/**
 * Inputs longer than this (UTF-16 code units, after NFKC) are refused without hashing them
 * specially: they get the same work as a wrong password. The policy caps new passwords at 128
 * code points, so no legitimate stored password is longer; the HTTP schema should cap it too.
 */
export const MAX_VERIFY_INPUT = 1024;

export interface VerifyResult {
  ok: boolean;
  /** True when `ok` and the stored hash was made with other parameters (or algorithm) than the current ones. */
  needsRehash: boolean;
}

export interface PasswordHasher {
  readonly params: Readonly<Argon2Params>;
  hashPassword(password: string): Promise<string>;
  verifyPassword(storedHash: string, password: string): Promise<VerifyResult>;
  /** Same work as verifying a wrong password against a current hash: for unknown users. Always `{ ok: false }`. */
  dummyVerify(password?: string): Promise<VerifyResult>;
}

/** Passwords are hashed in their NFKC form, the form the policy checked. */
export function normalizePassword(password: string): string {
  return password.normalize('NFKC');
}

function optionsOf(params: Readonly<Argon2Params>): Options {
  return {
    algorithm: ARGON2ID,
    version: VERSION_0X13,
    memoryCost: params.memoryCost,
    timeCost: params.timeCost,
    parallelism: params.parallelism,
    outputLen: params.outputLen,
  };
}

/** Whether a stored PHC hash was made with exactly `params` as argon2id v0x13 (false when unparsable). */
export function hasCurrentParams(storedHash: string, params: Readonly<Argon2Params>): boolean {
  try {
    const parsed = parseOptions(storedHash);
    return (
      parsed.algorithm === ARGON2ID &&
      parsed.version === VERSION_0X13 &&
      parsed.memoryCost === params.memoryCost &&
      parsed.timeCost === params.timeCost &&
      parsed.parallelism === params.parallelism &&
      parsed.outputLen === params.outputLen &&
      parsed.saltLen >= SALT_BYTES
    );
  } catch {
    return false;
  }
}

/** A hasher with the given parameters (default: OWASP's). */
export function createPasswordHasher(params: Readonly<Argon2Params> = OWASP_ARGON2ID): PasswordHasher {
  const options = optionsOf(params);
  let dummyHash: Promise<string> | undefined;
  // A hash of a random secret with the current parameters; computed once, on first use.
  const dummy = (): Promise<string> => {
    dummyHash ??= hash(randomBytes(32).toString('base64url'), { ...options, salt: randomBytes(SALT_BYTES) });
    return dummyHash;
  };

  async function dummyVerify(password?: string): Promise<VerifyResult> {
    const stored = await dummy();
    const normalized = password === undefined ? '' : normalizePassword(password);
    const input =
      normalized === '' || normalized.length > MAX_VERIFY_INPUT
        ? randomBytes(32).toString('base64url')
        : normalized;
    // The result is ignored: a random 256-bit secret is never guessed. Only the work matters.
    await verify(stored, input);
    return { ok: false, needsRehash: false };
  }

  return {
    params,
    async hashPassword(password) {
      return hash(normalizePassword(password), { ...options, salt: randomBytes(SALT_BYTES) });
    },
    async verifyPassword(storedHash, password) {
      const normalized = normalizePassword(password);
      if (normalized.length > MAX_VERIFY_INPUT) return dummyVerify();
      let ok: boolean;
      try {
        ok = await verify(storedHash, normalized);
      } catch {
        // Unparsable stored hash: answer like a wrong password, after the same work.
        return dummyVerify();
      }
      if (!ok) return { ok: false, needsRehash: false };
      return { ok: true, needsRehash: !hasCurrentParams(storedHash, params) };
    },
    dummyVerify,
  };
}

const defaultHasher = createPasswordHasher();

/** argon2id (OWASP parameters) of the NFKC form of `password`, as a PHC string. */
export const hashPassword = (password: string): Promise<string> => defaultHasher.hashPassword(password);
/** Verifies `password` against a stored PHC hash; `needsRehash` when its parameters are not the current ones. */
export const verifyPassword = (storedHash: string, password: string): Promise<VerifyResult> =>
  defaultHasher.verifyPassword(storedHash, password);
/** The work of one verification, for unknown users (equal-work answers). Always `{ ok: false }`. */
export const dummyVerify = (password?: string): Promise<VerifyResult> => defaultHasher.dummyVerify(password);
