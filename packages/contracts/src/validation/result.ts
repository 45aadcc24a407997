/** Why a message was refused; stable, for metrics and dead-letter reasons. */
export type ParseFailureCode =
  | 'invalid_json'
  | 'invalid_envelope'
  | 'unknown_type'
  | 'invalid_source'
  | 'invalid_dataschema'
  | 'unsupported_version'
  | 'invalid_data';

export type ParseResult<T> = { ok: true; value: T } | { ok: false; reason: string; code: ParseFailureCode };

export function fail<T>(code: ParseFailureCode, detail: string): ParseResult<T> {
  return { ok: false, code, reason: `${code}: ${detail}` };
}

/** The input as an object: parsed when it is a string (an SQS body), refused when it is not an object. */
export function asObject(
  input: unknown,
  what: string,
): { ok: true; value: Record<string, unknown> } | { ok: false; code: ParseFailureCode; detail: string } {
  let value = input;
  if (typeof input === 'string' || input instanceof Uint8Array) {
    try {
      value = JSON.parse(typeof input === 'string' ? input : Buffer.from(input).toString('utf8'));
    } catch (error) {
      return { ok: false, code: 'invalid_json', detail: (error as Error).message };
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, code: 'invalid_envelope', detail: `a ${what} must be a JSON object` };
  }
  return { ok: true, value: value as Record<string, unknown> };
}
