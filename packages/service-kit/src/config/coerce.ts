/**
 * Environment variables are strings; schemas want numbers, booleans and lists. This turns a raw
 * string into the JSON value its JSON Schema asks for, and leaves it a string when it cannot, so
 * that validation reports the mismatch with the variable's name.
 */

/** The JSON Schema keywords the coercion looks at (TypeBox schemas are plain JSON Schema). */
export interface SchemaLike {
  type?: string | string[];
  anyOf?: SchemaLike[];
  oneOf?: SchemaLike[];
  items?: SchemaLike;
  const?: unknown;
  [keyword: string]: unknown;
}

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const BOOLEAN = /^(true|false)$/i;

/** Every JSON type a value of this schema may have, unions included. */
function typesOf(schema: SchemaLike | undefined): Set<string> {
  const types = new Set<string>();
  if (schema === undefined) return types;
  if (typeof schema.type === 'string') types.add(schema.type);
  else if (Array.isArray(schema.type)) for (const t of schema.type) types.add(t);
  if (schema.const !== undefined) types.add(typeof schema.const);
  for (const branch of [...(schema.anyOf ?? []), ...(schema.oneOf ?? [])]) {
    for (const t of typesOf(branch)) types.add(t);
  }
  return types;
}

function itemsOf(schema: SchemaLike): SchemaLike | undefined {
  if (schema.items !== undefined) return schema.items;
  for (const branch of [...(schema.anyOf ?? []), ...(schema.oneOf ?? [])]) {
    const items = itemsOf(branch);
    if (items !== undefined) return items;
  }
  return undefined;
}

/**
 * Coerces one trimmed, non-empty environment string.
 * Booleans are `true`/`false` (any case), numbers are decimal literals, arrays are comma lists
 * (items trimmed, empty items dropped, each item coerced by the `items` schema), objects are JSON.
 */
export function coerceEnvValue(raw: string, schema: SchemaLike | undefined): unknown {
  const value = raw.trim();
  const types = typesOf(schema);
  if (types.has('boolean') && BOOLEAN.test(value)) return value.toLowerCase() === 'true';
  if ((types.has('integer') || types.has('number')) && NUMBER.test(value)) return Number(value);
  if (types.has('array') && schema !== undefined) {
    const items = itemsOf(schema);
    return value
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '')
      .map((item) => coerceEnvValue(item, items));
  }
  if (types.has('object') && value.startsWith('{')) {
    try {
      return JSON.parse(value) as unknown;
    } catch {
      return value;
    }
  }
  return value;
}
