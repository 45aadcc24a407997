import { encryptPrivateKey, generateSigningKey, type Kek, newKid } from '../../domain/keys/key-material.ts';
import { insertKey, type KeysDb } from '../../store/keys/signing-keys-store.ts';

/** Creates a P-256 key, stores it with its private part encrypted under the KEK, returns its kid. */
export async function createKey(db: KeysDb, kek: Kek, status: 'active' | 'next', now: Date): Promise<string> {
  const key = generateSigningKey(newKid(now));
  try {
    const encrypted = encryptPrivateKey(kek, key.kid, key.privatePkcs8);
    await insertKey(db, { kid: key.kid, publicJwk: key.publicJwk, encrypted, status, now });
  } finally {
    key.privatePkcs8.fill(0);
  }
  return key.kid;
}
