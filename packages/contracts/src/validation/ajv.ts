import type { TSchema } from '@sinclair/typebox';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

/** A JSON Schema as plain JSON (no TypeBox symbols), ready to serialise. */
export type JsonSchema = { [key: string]: unknown };

export const JSON_SCHEMA_DIALECT = 'http://json-schema.org/draft-07/schema#';

function createAjv(): Ajv {
  const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
  // ajv-formats is CommonJS with `exports.default`; under NodeNext its default import is the module object.
  addFormats.default(ajv);
  return ajv;
}

/** The schema as plain JSON: TypeBox's symbol keys dropped, deep-copied. */
export function toJsonSchema(schema: TSchema | JsonSchema): JsonSchema {
  return JSON.parse(JSON.stringify(schema)) as JsonSchema;
}

/**
 * A copy of `schema` in which every object that declares `properties` (or `patternProperties`) and
 * says nothing of `additionalProperties` refuses unknown properties. Producers validate against the
 * closed form (nothing unlisted, so no secret, slips into an event); consumers validate against the
 * open form, so that a new optional field is a compatible change.
 */
// Keywords whose value is an instance (not a schema), and keywords whose value maps names to schemas.
const INSTANCE_KEYWORDS = new Set(['examples', 'const', 'enum', 'default', 'required']);
const SCHEMA_MAP_KEYWORDS = new Set(['properties', 'patternProperties', 'definitions', '$defs']);

export function closeSchema(schema: JsonSchema): JsonSchema {
  const visit = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(visit);
    if (typeof node !== 'object' || node === null) return node;
    const out: JsonSchema = {};
    for (const [key, value] of Object.entries(node)) {
      if (INSTANCE_KEYWORDS.has(key)) out[key] = value;
      else if (SCHEMA_MAP_KEYWORDS.has(key) && typeof value === 'object' && value !== null) {
        out[key] = Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, visit(sub)]));
      } else out[key] = visit(value);
    }
    const declaresProperties =
      typeof out.properties === 'object' || typeof out.patternProperties === 'object';
    if (declaresProperties && out.additionalProperties === undefined) out.additionalProperties = false;
    return out;
  };
  return visit(schema) as JsonSchema;
}

/**
 * Compiles schemas once and keeps them. `open` validators accept unknown properties (consumers),
 * `closed` ones refuse them (producers, compatibility checks).
 */
export class SchemaValidators {
  readonly #ajv = { open: createAjv(), closed: createAjv() };
  readonly #cache = new Map<string, ValidateFunction>();

  get(key: string, mode: 'open' | 'closed', schema: () => TSchema | JsonSchema): ValidateFunction {
    const cacheKey = `${mode} ${key}`;
    let validate = this.#cache.get(cacheKey);
    if (validate === undefined) {
      const json = toJsonSchema(schema());
      // `$id`s are dropped: the same schema is compiled in both modes and under several keys.
      delete json.$id;
      validate = this.#ajv[mode].compile(mode === 'closed' ? closeSchema(json) : json);
      this.#cache.set(cacheKey, validate);
    }
    return validate;
  }
}

/** Ajv errors as one line a human can act on, e.g. `/data/email must match format "email"`. */
export function describeErrors(errors: readonly ErrorObject[] | null | undefined, root = ''): string {
  if (!errors || errors.length === 0) return 'invalid';
  const lines = errors.slice(0, 5).map((e) => {
    const at = `${root}${e.instancePath}` || '/';
    if (e.keyword === 'additionalProperties') {
      return `${at} has unknown property "${String(e.params.additionalProperty)}"`;
    }
    if (e.keyword === 'enum') {
      return `${at} must be one of ${JSON.stringify(e.params.allowedValues)}`;
    }
    return `${at} ${e.message ?? 'is invalid'}`;
  });
  if (errors.length > 5) lines.push(`and ${errors.length - 5} more`);
  return lines.join('; ');
}
