// The JSON Schemas as an outside team uses them: plain JSON, validated with their own Ajv.
import { describe, expect, it } from '@jest/globals';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { commandTypes } from './commands/catalogue.ts';
import { eventCatalogue, eventTypes } from './events/catalogue.ts';
import { dataschemaUrl } from './events/envelope.ts';
import {
  commandSchemas,
  dataSchemas,
  envelopeSchema,
  exampleCommands,
  exampleEvents,
  type JsonSchema,
  schemas,
} from './schemas.ts';

function outsideAjv(): Ajv {
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats.default(ajv);
  return ajv;
}

describe('exported JSON Schemas', () => {
  it('are plain JSON (they survive serialisation unchanged) with ids that match dataschema', () => {
    for (const type of eventTypes) {
      for (const schema of [schemas[type], dataSchemas[type]]) {
        expect(JSON.parse(JSON.stringify(schema))).toEqual(schema);
        expect(Object.getOwnPropertySymbols(schema)).toEqual([]);
        expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
      }
      expect(dataSchemas[type].$id).toBe(dataschemaUrl(type, eventCatalogue[type].version));
    }
  });

  it('validate every example event whole, and refuse it under another type', () => {
    const ajv = outsideAjv();
    ajv.addSchema(envelopeSchema);
    for (const type of eventTypes) {
      const validate = ajv.compile(schemas[type] as JsonSchema);
      const validateData = ajv.compile(dataSchemas[type] as JsonSchema);
      for (const event of exampleEvents(type)) {
        expect({ type, valid: validate(event), errors: validate.errors }).toEqual({
          type,
          valid: true,
          errors: null,
        });
        expect(validateData(event.data)).toBe(true);
        expect(ajv.validate(envelopeSchema.$id as string, event)).toBe(true);
      }
      const other = eventTypes.find(
        (t) => t !== type && eventCatalogue[t].producer === eventCatalogue[type].producer,
      );
      const foreign = exampleEvents(other ?? type)[0];
      if (other) expect(validate(foreign)).toBe(false);
    }
  });

  it('validate every example command', () => {
    const ajv = outsideAjv();
    for (const type of commandTypes) {
      const validate = ajv.compile(commandSchemas[type] as JsonSchema);
      for (const command of exampleCommands(type)) expect(validate(command)).toBe(true);
      expect(validate({ ...exampleCommands(type)[0], type: 'send_fax' })).toBe(false);
    }
  });

  it('keep data schemas open for new optional fields and the envelope open for extensions', () => {
    const ajv = outsideAjv();
    const validate = ajv.compile(schemas['identity.user.registered'] as JsonSchema);
    const [event] = exampleEvents('identity.user.registered');
    if (!event) throw new Error('no example');
    expect(
      validate({ ...event, partitionkey: 'x', data: { ...(event.data as object), nickname: 'ada' } }),
    ).toBe(true);
    expect(validate({ ...event, data_base64: 'eA==' })).toBe(false);
  });
});
