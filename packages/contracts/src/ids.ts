import { createHash, randomBytes, randomInt } from 'node:crypto';

/** Matches a UUID of version 7 (RFC 9562), lower case. */
export const UUID_V7_PATTERN = '^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$';
const uuidV7 = new RegExp(UUID_V7_PATTERN);

// RFC 9562 §6.2 method 1: a 12-bit counter in rand_a keeps ids of one process increasing within a
// millisecond; it starts at a random value below 2^11 so that it rarely overflows.
const state = { ms: -1, counter: 0 };

function format(ms: number, counter: number, entropy: Uint8Array): string {
  const bytes = Buffer.alloc(16);
  bytes.writeUIntBE(ms, 0, 6);
  bytes[6] = 0x70 | ((counter >> 8) & 0x0f);
  bytes[7] = counter & 0xff;
  Buffer.from(entropy.subarray(0, 8)).copy(bytes, 8);
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A new UUIDv7: time-ordered, and increasing across the calls of one process. */
export function uuidv7(): string {
  const now = Date.now();
  if (now > state.ms) {
    state.ms = now;
    state.counter = randomInt(0, 0x800);
  } else {
    state.counter += 1;
    if (state.counter > 0xfff) {
      state.ms += 1;
      state.counter = randomInt(0, 0x800);
    }
  }
  return format(state.ms, state.counter, randomBytes(8));
}

/** A UUIDv7 fixed by `time` and `seed`: the same inputs give the same id (for examples and docs). */
export function deterministicUuidv7(time: Date, seed: string): string {
  const digest = createHash('sha256').update(seed).digest();
  return format(time.getTime(), digest.readUInt16BE(0) & 0xfff, digest.subarray(2, 10));
}

export function isUuidV7(value: unknown): value is string {
  return typeof value === 'string' && uuidV7.test(value);
}

/** The creation time encoded in a UUIDv7. */
export function uuidv7Time(id: string): Date {
  return new Date(Number.parseInt(id.replaceAll('-', '').slice(0, 12), 16));
}
