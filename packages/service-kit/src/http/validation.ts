/**
 * JSON Schema validation with ajv (2020-12 dialect, the one OpenAPI 3.1 uses). Three instances
 * share one configuration (all errors, strict schemas, formats) and differ only in what they may
 * change in the data:
 * - `body`: JSON bodies are typed already, so nothing is coerced; declared defaults are filled in;
 * - `coerced`: params, query, headers and form bodies arrive as strings (or repeated keys as
 *   arrays) and are coerced to the declared types (`'array'` coercion also wraps a single value in
 *   an array);
 * - `response`: what a handler returns is checked as it is: no coercion, no defaults.
 * Validators are compiled once, at start-up, and shared by identical schemas.
 */

import type { ErrorObject, Options, ValidateFunction } from 'ajv/dist/2020.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { FieldError } from '../errors/problem.ts';
import type { JsonSchema } from './schema.ts';

export type RequestPart = 'params' | 'query' | 'headers' | 'body';
export type ValidatorMode = 'body' | 'coerced' | 'response';

/** At most this many field errors are reported for one request (the rest are summarized). */
export const MAX_FIELD_ERRORS = 50;

const SHARED_OPTIONS: Options = {
  allErrors: true,
  strict: true,
  // `Type.Union([Type.String(), Type.Null()])` style unions are fine; strictTypes stays on otherwise.
  allowUnionTypes: true,
  ownProperties: true,
};

export function createAjv(mode: ValidatorMode): Ajv2020 {
  const ajv = new Ajv2020({
    ...SHARED_OPTIONS,
    coerceTypes: mode === 'coerced' ? 'array' : false,
    useDefaults: mode !== 'response',
  });
  addFormats.default(ajv);
  ajv.addKeyword({ keyword: 'example' }); // OpenAPI annotation, accepted beside the standard `examples`
  return ajv;
}

/** Validates (and for request parts possibly coerces) `data` in place; returns its field errors. */
export type Check = (data: unknown) => FieldError[];

function escapePointerToken(token: string): string {
  return token.replaceAll('~', '~0').replaceAll('/', '~1');
}

function toFieldError(error: ErrorObject, prefix: string): FieldError {
  const params = error.params as Record<string, unknown>;
  const base = prefix + error.instancePath;
  const at = (name: unknown) => `${base}/${escapePointerToken(String(name))}`;
  switch (error.keyword) {
    case 'required':
    case 'dependentRequired':
      return {
        pointer: at(params.missingProperty),
        code: error.keyword,
        detail: 'This property is required.',
      };
    case 'additionalProperties':
      return {
        pointer: at(params.additionalProperty),
        code: 'additionalProperties',
        detail: 'This property is not allowed.',
      };
    case 'unevaluatedProperties':
      return {
        pointer: at(params.unevaluatedProperty),
        code: 'unevaluatedProperties',
        detail: 'This property is not allowed.',
      };
    default:
      // ajv messages name the rule and the schema's values ("must match format \"email\""), never the data.
      return { pointer: base, code: error.keyword, detail: error.message ?? 'Invalid value.' };
  }
}

/** ajv errors → field errors with pointers under `prefix` (e.g. `/body`), deduplicated and capped. */
export function toFieldErrors(errors: readonly ErrorObject[], prefix: string): FieldError[] {
  const seen = new Set<string>();
  const out: FieldError[] = [];
  for (const error of errors) {
    const fieldError = toFieldError(error, prefix);
    const key = `${fieldError.pointer}\u0000${fieldError.code}\u0000${fieldError.detail}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(fieldError);
    if (out.length === MAX_FIELD_ERRORS) break;
  }
  return out;
}

/**
 * ajv's string coercion turns `"1e309"` and `"Infinity"` into ±Infinity, which then passes
 * `integer`, `minimum` and `maximum` (found by the endpoint fuzzer: `?limit=1e309` reached a
 * handler as Infinity). Coerced parts are flat (scalars or arrays of scalars), so one level is
 * checked: any non-finite number is refused.
 */
function nonFiniteNumbers(data: unknown, prefix: string): FieldError[] {
  if (typeof data !== 'object' || data === null) return [];
  const errors: FieldError[] = [];
  const refuse = (pointer: string) =>
    errors.push({ pointer, code: 'type', detail: 'must be a finite number' });
  for (const [name, value] of Object.entries(data)) {
    const at = `${prefix}/${escapePointerToken(name)}`;
    if (typeof value === 'number' && !Number.isFinite(value)) refuse(at);
    if (Array.isArray(value)) {
      value.forEach((item, index) => {
        if (typeof item === 'number' && !Number.isFinite(item)) refuse(`${at}/${index}`);
      });
    }
  }
  return errors;
}

export interface SchemaCompiler {
  /** Compiles a check for one request part; pointers start with `/<part>`. */
  request(part: RequestPart, schema: JsonSchema): Check;
  /**
   * Compiles a check for a form-encoded body (values are strings, coerced like query parameters);
   * pointers start with `/body`.
   */
  formBody(schema: JsonSchema): Check;
  /** Compiles a check for a response body; pointers start with `/response/body`. */
  response(schema: JsonSchema): Check;
}

export function createSchemaCompiler(): SchemaCompiler {
  const instances: Record<ValidatorMode, Ajv2020> = {
    body: createAjv('body'),
    coerced: createAjv('coerced'),
    response: createAjv('response'),
  };
  const cache = new Map<string, ValidateFunction>();
  const compile = (mode: ValidatorMode, schema: JsonSchema): ValidateFunction => {
    const key = `${mode}:${JSON.stringify(schema)}`;
    let validate = cache.get(key);
    if (validate === undefined) {
      validate = instances[mode].compile(schema);
      cache.set(key, validate);
    }
    return validate;
  };
  const check =
    (validate: ValidateFunction, prefix: string): Check =>
    (data) =>
      validate(data) ? [] : toFieldErrors(validate.errors ?? [], prefix);
  const coercedCheck = (validate: ValidateFunction, prefix: string): Check => {
    const inner = check(validate, prefix);
    return (data) => {
      const errors = inner(data);
      return errors.length > 0 ? errors : nonFiniteNumbers(data, prefix);
    };
  };
  return {
    request: (part, schema) =>
      part === 'body'
        ? check(compile('body', schema), '/body')
        : coercedCheck(compile('coerced', schema), `/${part}`),
    formBody: (schema) => coercedCheck(compile('coerced', schema), '/body'),
    response: (schema) => check(compile('response', schema), '/response/body'),
  };
}
