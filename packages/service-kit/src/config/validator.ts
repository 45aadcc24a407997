import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

/** One ajv instance for configuration schemas: defaults applied, every error collected. */
const ajv = new Ajv({ allErrors: true, useDefaults: true, coerceTypes: false, strict: false });
// ajv-formats is CommonJS with `exports.default`; under NodeNext its default import is the module object.
addFormats.default(ajv);
// Annotation that marks a variable whose value must never appear in messages.
ajv.addKeyword({ keyword: 'secret', schemaType: 'boolean' });

const compiled = new WeakMap<object, ValidateFunction>();

export function compileConfigSchema(schema: object): ValidateFunction {
  let validate = compiled.get(schema);
  if (validate === undefined) {
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  return validate;
}

export type { ErrorObject };
