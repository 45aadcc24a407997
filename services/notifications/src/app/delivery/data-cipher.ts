/**
 * Encryption of the template data kept while a message waits to be sent (it holds the link or the
 * code): AES-256-GCM, a random 96-bit nonce per message, the message id as additional authenticated
 * data (a ciphertext moved to another row does not decrypt). Stored as nonce ‖ ciphertext ‖ tag.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/**
 * The public development key, used only when MESSAGE_DATA_ENCRYPTION_KEY is absent outside
 * production (production refuses to start without the variable).
 */
const DEVELOPMENT_KEY = createHash('sha256')
  .update('authplatform notifications development data key')
  .digest();

export class DataCipherError extends Error {
  readonly code = 'data_undecryptable';
  constructor(options?: { cause?: unknown }) {
    super('The template data cannot be decrypted (wrong key or altered row).', options);
    this.name = 'DataCipherError';
  }
}

export interface DataCipher {
  encrypt(messageId: string, data: Record<string, unknown>): Uint8Array;
  decrypt(messageId: string, sealed: Uint8Array): Record<string, unknown>;
}

export function createDataCipher(base64Key: string | undefined): DataCipher {
  const key =
    base64Key === undefined || base64Key === '' ? DEVELOPMENT_KEY : Buffer.from(base64Key, 'base64');
  if (key.length !== 32) throw new Error('MESSAGE_DATA_ENCRYPTION_KEY must be 32 bytes');
  return {
    encrypt(messageId, data) {
      const nonce = randomBytes(NONCE_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, nonce);
      cipher.setAAD(Buffer.from(messageId, 'utf8'));
      const body = Buffer.concat([cipher.update(JSON.stringify(data), 'utf8'), cipher.final()]);
      return Buffer.concat([nonce, body, cipher.getAuthTag()]);
    },
    decrypt(messageId, sealed) {
      const bytes = Buffer.from(sealed);
      if (bytes.length < NONCE_BYTES + TAG_BYTES) throw new DataCipherError();
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, NONCE_BYTES));
        decipher.setAAD(Buffer.from(messageId, 'utf8'));
        decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
        const plain = Buffer.concat([
          decipher.update(bytes.subarray(NONCE_BYTES, bytes.length - TAG_BYTES)),
          decipher.final(),
        ]);
        return JSON.parse(plain.toString('utf8')) as Record<string, unknown>;
      } catch (error) {
        throw new DataCipherError({ cause: error });
      }
    },
  };
}
