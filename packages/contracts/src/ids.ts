import { createHash, randomFillSync } from 'node:crypto';

/** Matches a UUID of version 7 (RFC 9562), lower case. */
export const UUID_V7_PATTERN = '^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$';
const uuidV7 = new RegExp(UUID_V7_PATTERN);

// RFC 9562 §6.2 method 1: a 12-bit counter in rand_a keeps ids of one process increasing within a
// millisecond; it starts at a random value below 2^11 so that it rarely overflows.
const state = { ms: -1, counter: 0 };

// Ids are minted on hot paths (every authz decision has one): the CSPRNG output is drawn in blocks
// (one `randomFillSync` per 409 ids instead of one `randomBytes` call per id, as Node's `randomUUID`
// and the `uuid` package do) and formatted with a lookup table rather than through a Buffer and slices.
const POOL_BYTES = 4096;
const pool = Buffer.alloc(POOL_BYTES);
let poolOffset = POOL_BYTES;

/** Offset of `n` fresh random bytes in `pool`. */
function take(n: number): number {
  if (poolOffset + n > POOL_BYTES) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const at = poolOffset;
  poolOffset += n;
  return at;
}

/** A random counter start in [0, 2^11). */
function counterStart(): number {
  const at = take(2);
  return (((pool[at] as number) << 8) | (pool[at + 1] as number)) & 0x7ff;
}

const HEX: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const hex = (byte: number) => HEX[byte & 0xff] as string;

/** The UUIDv7 of a 48-bit millisecond time, a 12-bit counter and 8 bytes of `entropy` from `at`. */
function format(ms: number, counter: number, entropy: Uint8Array, at: number): string {
  const high = Math.floor(ms / 0x10000); // the first 32 of the 48 bits
  const e = (i: number) => hex(entropy[at + i] as number);
  return (
    hex(high >>> 24) +
    hex(high >>> 16) +
    hex(high >>> 8) +
    hex(high) +
    '-' +
    hex(ms >>> 8) +
    hex(ms) +
    '-' +
    hex(0x70 | ((counter >> 8) & 0x0f)) +
    hex(counter) +
    '-' +
    hex(((entropy[at] as number) & 0x3f) | 0x80) +
    e(1) +
    '-' +
    e(2) +
    e(3) +
    e(4) +
    e(5) +
    e(6) +
    e(7)
  );
}

/** A new UUIDv7: time-ordered, and increasing across the calls of one process. */
export function uuidv7(): string {
  const now = Date.now();
  if (now > state.ms) {
    state.ms = now;
    state.counter = counterStart();
  } else {
    state.counter += 1;
    if (state.counter > 0xfff) {
      state.ms += 1;
      state.counter = counterStart();
    }
  }
  return format(state.ms, state.counter, pool, take(8));
}

/** A UUIDv7 fixed by `time` and `seed`: the same inputs give the same id (for examples and docs). */
export function deterministicUuidv7(time: Date, seed: string): string {
  const digest = createHash('sha256').update(seed).digest();
  return format(time.getTime(), digest.readUInt16BE(0) & 0xfff, digest, 2);
}

export function isUuidV7(value: unknown): value is string {
  return typeof value === 'string' && uuidV7.test(value);
}

/** The creation time encoded in a UUIDv7. */
export function uuidv7Time(id: string): Date {
  return new Date(Number.parseInt(id.replaceAll('-', '').slice(0, 12), 16));
}
