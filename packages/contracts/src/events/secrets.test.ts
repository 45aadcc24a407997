// "Secrets never ride on topics" (events.md): no event schema has a property that looks like a secret,
// and no event example carries a URL. Commands may carry secrets, and must declare every one.
import { describe, expect, it } from '@jest/globals';
import { commandCatalogue, commandTypes, secretFields } from '../commands/catalogue.ts';
import { dataSchemas, envelopeSchema, type JsonSchema } from '../schemas.ts';
import { toJsonSchema } from '../validation/ajv.ts';
import { eventCatalogue, eventTypes } from './catalogue.ts';

const SECRET_NAME = /token|code|passw|secret|link|otp|credential|private|api_?key|cookie|authorization/i;

/** Every property name declared anywhere in a schema, with its dot path. */
function propertyPaths(schema: unknown, at = ''): string[] {
  if (Array.isArray(schema)) return schema.flatMap((s) => propertyPaths(s, at));
  if (typeof schema !== 'object' || schema === null) return [];
  const node = schema as JsonSchema;
  const paths: string[] = [];
  for (const [key, value] of Object.entries(node)) {
    if (key === 'properties' && typeof value === 'object' && value !== null) {
      for (const [name, sub] of Object.entries(value)) {
        paths.push(at ? `${at}.${name}` : name, ...propertyPaths(sub, at ? `${at}.${name}` : name));
      }
    } else if (key === 'patternProperties' && typeof value === 'object' && value !== null) {
      for (const [pattern, sub] of Object.entries(value))
        paths.push(`${at}.<${pattern}>`, ...propertyPaths(sub, at));
    } else if (key !== 'examples' && key !== 'enum' && key !== 'const') {
      paths.push(...propertyPaths(value, at));
    }
  }
  return paths;
}

function stringValues(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringValues);
  if (typeof value === 'object' && value !== null) return Object.values(value).flatMap(stringValues);
  return [];
}

describe('events carry no secrets', () => {
  it('the scan finds what it looks for (it is not vacuous)', () => {
    const paths = propertyPaths(toJsonSchema(commandCatalogue.send_password_reset.data));
    expect(paths).toContain('template_data.link');
    expect(paths.filter((p) => SECRET_NAME.test(p))).toEqual(['template_data.link']);
  });

  it('no event schema, nor the envelope, has a property whose name looks like a secret', () => {
    const offenders: string[] = [];
    for (const type of eventTypes) {
      const paths = propertyPaths(dataSchemas[type]);
      expect(paths.length).toBeGreaterThan(0);
      for (const path of paths) if (SECRET_NAME.test(path)) offenders.push(`${type}: ${path}`);
    }
    for (const path of propertyPaths(envelopeSchema))
      if (SECRET_NAME.test(path)) offenders.push(`envelope: ${path}`);
    expect(offenders).toEqual([]);
  });

  it('no event example holds a URL or a query string (links carry secrets)', () => {
    const offenders: string[] = [];
    for (const type of eventTypes) {
      for (const value of stringValues(eventCatalogue[type].examples)) {
        if (/https?:\/\/|[?&][a-z_]+=/i.test(value)) offenders.push(`${type}: ${value}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});

describe('commands declare their secrets', () => {
  it('every secret-looking property of a command is in its secretFields, and every listed field exists', () => {
    for (const type of commandTypes) {
      const paths = propertyPaths(toJsonSchema(commandCatalogue[type].data));
      const secretLooking = paths.filter((p) => SECRET_NAME.test(p.split('.').at(-1) ?? ''));
      expect({ type, secrets: [...secretFields[type]].sort() }).toEqual({
        type,
        secrets: secretLooking.sort(),
      });
      for (const field of secretFields[type]) expect(paths).toContain(field);
    }
  });

  it('every command that sends a link or code has it as a secret field', () => {
    for (const type of commandTypes.filter((t) => t !== 'send_signup_attempt_existing')) {
      expect(secretFields[type].length).toBe(1);
    }
  });
});
