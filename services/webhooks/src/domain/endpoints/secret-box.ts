/**
 * Signing secrets must be usable (HMAC needs them), so they are encrypted at rest rather than hashed:
 * AES-256-GCM under `WEBHOOKS_SECRET_ENCRYPTION_KEY`, bound to the endpoint id so a sealed secret cannot
 * be moved to another endpoint. Format: base64url(iv[12] ‖ tag[16] ‖ ciphertext).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export interface SecretBox {
  seal(secret: string, endpointId: string): string;
  open(sealed: string, endpointId: string): string;
}

export function createSecretBox(key: Buffer): SecretBox {
  if (key.byteLength !== 32) throw new Error('the secret encryption key must be 32 bytes');
  return {
    seal(secret, endpointId) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(`webhook-secret:${endpointId}`));
      const body = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
      return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
    },
    open(sealed, endpointId) {
      const raw = Buffer.from(sealed, 'base64url');
      if (raw.byteLength < 28) throw new Error('sealed secret too short');
      const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12), { authTagLength: 16 });
      decipher.setAAD(Buffer.from(`webhook-secret:${endpointId}`));
      decipher.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    },
  };
}
