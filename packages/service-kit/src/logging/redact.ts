import { REDACTED, scrubString } from './scrub.ts';
import { isSensitiveKey } from './sensitive-keys.ts';

/** Deeper structures are cut off: logs are not a serialisation format, and recursion must end. */
const MAX_DEPTH = 12;

type Ancestors = object[];

function redactKeyed(name: string, value: unknown, depth: number, ancestors: Ancestors): unknown {
  if (isSensitiveKey(name)) return value === undefined || value === null ? value : REDACTED;
  return redactAt(value, depth, ancestors);
}

function readOwn(target: object, key: string): unknown {
  try {
    return (target as Record<string, unknown>)[key];
  } catch {
    return '[Unreadable]';
  }
}

function redactObjectProperties(
  source: object,
  into: Record<string, unknown>,
  depth: number,
  ancestors: Ancestors,
  skip?: ReadonlySet<string>,
): Record<string, unknown> {
  for (const key of Object.keys(source)) {
    if (skip?.has(key)) continue;
    into[key] = redactKeyed(key, readOwn(source, key), depth, ancestors);
  }
  return into;
}

/** An error already turned into a plain object (`{ name, message, code, stack }`) by other code. */
function isErrorDescription(value: object): boolean {
  const { message, stack, name } = value as Record<string, unknown>;
  return typeof message === 'string' && (typeof stack === 'string' || typeof name === 'string');
}

function errorCodeOf(value: object): string | number | undefined {
  const code = (value as { code?: unknown }).code;
  return typeof code === 'string' || typeof code === 'number' ? code : undefined;
}

const ERROR_FIELDS = new Set(['name', 'message', 'stack', 'code', 'cause', 'errors']);

/**
 * Errors become plain objects: `name`, `message`, `stack`, `code`, their own enumerable fields
 * and, recursively, `cause` and `errors` (AggregateError). An error's `code` is a machine code by
 * Node's convention (`ECONNREFUSED`, `token_expired`) and is kept even though `code` is otherwise a
 * sensitive name; so is the `code` of an object shaped like a described error (string `message`
 * plus `name` or `stack`).
 */
function redactError(error: Error, depth: number, ancestors: Ancestors): Record<string, unknown> {
  const out: Record<string, unknown> = { name: error.name, message: scrubString(String(error.message)) };
  const code = errorCodeOf(error);
  if (code !== undefined) out.code = code;
  redactObjectProperties(error, out, depth, ancestors, ERROR_FIELDS);
  if (typeof error.stack === 'string') out.stack = scrubString(error.stack);
  if (error.cause !== undefined) out.cause = redactAt(error.cause, depth, ancestors);
  const errors = (error as { errors?: unknown }).errors;
  if (Array.isArray(errors)) out.errors = redactAt(errors, depth, ancestors);
  return out;
}

function redactAt(value: unknown, parentDepth: number, ancestors: Ancestors): unknown {
  switch (typeof value) {
    case 'string':
      return scrubString(value);
    case 'bigint':
      return value.toString();
    case 'symbol':
      return value.toString();
    case 'function':
      return `[Function ${value.name || 'anonymous'}]`;
    case 'object':
      break;
    default:
      return value;
  }
  if (value === null) return null;
  if (ancestors.includes(value)) return '[Circular]';
  const depth = parentDepth + 1;
  if (depth > MAX_DEPTH) return '[Truncated]';
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  if (value instanceof URL) return scrubString(value.href);
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return `[Binary ${value.byteLength} bytes]`;

  ancestors.push(value);
  try {
    if (value instanceof Error) return redactError(value, depth, ancestors);
    if (Array.isArray(value)) return value.map((item) => redactAt(item, depth, ancestors));
    if (value instanceof Map) {
      const out: Record<string, unknown> = {};
      for (const [key, item] of value) out[String(key)] = redactKeyed(String(key), item, depth, ancestors);
      return out;
    }
    if (value instanceof Set) return [...value].map((item) => redactAt(item, depth, ancestors));
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return redactAt(toJSON.call(value), depth, ancestors);
    const out = redactObjectProperties(value, {}, depth, ancestors);
    const code = errorCodeOf(value);
    if (code !== undefined && isErrorDescription(value)) out.code = code;
    return out;
  } finally {
    ancestors.pop();
  }
}

/**
 * Returns a redacted deep copy of `value`, safe to log: values under sensitive names (passwords,
 * tokens, codes, secrets, keys, signatures, authorization and cookie headers, in any case and in
 * snake, camel or kebab form) become `[REDACTED]`, and secrets inside strings (Bearer credentials,
 * JWTs, `password=…` pairs, URL passwords, PEM private keys) are scrubbed. Errors become plain
 * objects with their causes; circular references become `[Circular]`. The input is never modified.
 */
export function redact(value: unknown): unknown {
  return redactAt(value, 0, []);
}

/** Like `redact`, for one named value: `redactNamed('authorization', header)`. */
export function redactNamed(name: string, value: unknown): unknown {
  return redactKeyed(name, value, 0, []);
}
