import type { SchemaLike } from './coerce.ts';
import type { ErrorObject } from './validator.ts';

const TYPE_NAMES: Record<string, string> = {
  integer: 'an integer',
  number: 'a number',
  boolean: 'true or false',
  string: 'a string',
  array: 'a comma-separated list',
  object: 'a JSON object',
};

function literalsOf(schema: SchemaLike | undefined): unknown[] | undefined {
  if (schema === undefined) return undefined;
  if (Array.isArray(schema.enum)) return schema.enum;
  const branches = schema.anyOf ?? schema.oneOf;
  if (branches === undefined || branches.length === 0) return undefined;
  if (!branches.every((b) => b.const !== undefined)) return undefined;
  return branches.map((b) => b.const);
}

function describe(error: ErrorObject): string {
  switch (error.keyword) {
    case 'type': {
      const type = String(error.params.type);
      return `must be ${type
        .split(',')
        .map((t) => TYPE_NAMES[t] ?? t)
        .join(' or ')}`;
    }
    case 'format':
      return error.params.format === 'uri'
        ? 'must be an absolute URL'
        : `must be a valid ${error.params.format}`;
    case 'pattern':
      return `must match the pattern ${error.params.pattern}`;
    default:
      return error.message ?? `fails the "${error.keyword}" rule`;
  }
}

/**
 * One human reason for all of ajv's errors about one variable (a union produces one error per
 * branch; the operator needs one sentence).
 */
export function reasonFor(errors: readonly ErrorObject[], schema: SchemaLike | undefined): string {
  const literals = literalsOf(schema);
  if (literals !== undefined) return `must be one of: ${literals.map(String).join(', ')}`;
  const own = errors.filter((e) => e.keyword !== 'anyOf' && e.keyword !== 'oneOf');
  const reasons = [...new Set((own.length > 0 ? own : errors).map(describe))];
  const joiner = schema?.anyOf !== undefined || schema?.oneOf !== undefined ? ' or ' : '; ';
  return reasons.join(joiner);
}
