import { randomBytes } from 'node:crypto';

/** `length` lowercase hex characters: safe in schema, queue, topic and domain names. */
export function randomTag(length = 10): string {
  return randomBytes(Math.ceil(length / 2))
    .toString('hex')
    .slice(0, length);
}
