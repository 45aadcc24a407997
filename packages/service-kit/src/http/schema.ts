/**
 * Turns an authored TypeBox schema into the plain JSON Schema (2020-12, the OpenAPI 3.1 dialect)
 * that is both validated and published, so the document always says what the validator does.
 *
 * Closing objects (unknown properties are rejected, even when the author forgot to say so):
 * - every object schema that sets neither `additionalProperties` nor `unevaluatedProperties`
 *   gets `additionalProperties: false`; an author who wants an open object says so explicitly
 *   (`Type.Object({...}, { additionalProperties: true })`);
 * - an object composed with `allOf`/`anyOf`/`oneOf`/`if`/`$ref` (e.g. `Type.Intersect`) gets
 *   `unevaluatedProperties: false` instead, and its composed parts stay open, because closing each
 *   part would reject the properties that the other parts declare;
 * - the branches of a plain union (`Type.Union` of objects) are complete schemas and are closed;
 * - predicates (`not`, `if`, `contains`, `propertyNames`) are left as written: closing inside them
 *   would change what they match.
 * Other conversions: TypeBox's symbol keys are dropped; draft-07 tuples (`items: [...]`,
 * `additionalItems`) become 2020-12 `prefixItems`/`items`.
 */
import type { TSchema } from '@sinclair/typebox';

export type JsonSchema = { [keyword: string]: unknown };

/** Subschemas that describe the value of a child (property, item, definition): closed normally. */
const CHILDREN = new Set(['properties', 'patternProperties', '$defs', 'definitions']);
const CHILD = new Set(['additionalProperties', 'unevaluatedProperties', 'unevaluatedItems', 'contentSchema']);
/** Subschemas that add constraints to the same instance: parts of it, left open themselves. */
const PARTS = new Set(['allOf', 'then', 'else', 'dependentSchemas']);
/** Predicates: closing anything inside would change what they match (and weaken `if`/`not`). */
const PREDICATES = new Set(['not', 'if', 'contains', 'propertyNames']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Copies JSON data (const, enum, default, examples), dropping symbol keys. */
function copyData(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(copyData);
  if (isRecord(value)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) out[key] = copyData(value[key]);
    return out;
  }
  return value;
}

function describesObject(node: Record<string, unknown>): boolean {
  const type = node.type;
  if (type === 'object' || (Array.isArray(type) && type.includes('object'))) return true;
  if (type !== undefined) return false;
  if ('properties' in node || 'patternProperties' in node) return true;
  return Array.isArray(node.allOf) && node.allOf.some((part) => isRecord(part) && describesObject(part));
}

function isComposed(node: Record<string, unknown>): boolean {
  return ['allOf', 'anyOf', 'oneOf', 'if', '$ref', '$dynamicRef', 'dependentSchemas'].some((k) => k in node);
}

/**
 * @param closeSelf whether this schema, if it describes an object, is closed
 * @param closeNested whether objects nested below it (properties, items, …) are closed
 */
function normalize(node: unknown, closeSelf: boolean, closeNested: boolean): unknown {
  if (!isRecord(node)) return copyData(node);
  const isObject = describesObject(node);
  const map = (value: unknown, fn: (child: unknown) => unknown) => {
    if (Array.isArray(value)) return value.map(fn);
    if (!isRecord(value)) return copyData(value);
    const out: Record<string, unknown> = {};
    for (const name of Object.keys(value)) out[name] = fn(value[name]);
    return out;
  };
  const child = (value: unknown) => normalize(value, closeNested, closeNested);
  const part = (value: unknown) => normalize(value, false, closeNested);
  const predicate = (value: unknown) => normalize(value, false, false);

  const out: JsonSchema = {};
  for (const key of Object.keys(node)) {
    const value = node[key];
    if (CHILDREN.has(key)) out[key] = map(value, child);
    else if (CHILD.has(key)) out[key] = child(value);
    else if (key === 'items' || key === 'prefixItems') {
      // draft-07 tuple (`items: [...]`) → 2020-12 `prefixItems`
      if (Array.isArray(value)) out.prefixItems = value.map(child);
      else out[key] = child(value);
    } else if (key === 'additionalItems') {
      if (Array.isArray(node.items)) out.items = child(value);
      else out[key] = child(value);
    } else if (PARTS.has(key)) out[key] = map(value, part);
    else if (key === 'anyOf' || key === 'oneOf') {
      // branches of an object's own composition are parts of it; branches of a union are whole schemas
      out[key] = map(value, isObject ? part : (v) => normalize(v, closeSelf, closeNested));
    } else if (PREDICATES.has(key)) out[key] = predicate(value);
    else out[key] = copyData(value);
  }
  if (closeSelf && isObject && !('additionalProperties' in node) && !('unevaluatedProperties' in node)) {
    if (isComposed(node)) out.unevaluatedProperties = false;
    else out.additionalProperties = false;
  }
  return out;
}

/** The strict, plain JSON Schema for an authored TypeBox schema (see the module comment). */
export function toStrictJsonSchema(schema: TSchema): JsonSchema {
  return normalize(schema, true, true) as JsonSchema;
}

/** Plain JSON copy of a schema without closing anything (for schemas the kit itself authors). */
export function toJsonSchema(schema: TSchema): JsonSchema {
  return copyData(schema) as JsonSchema;
}
