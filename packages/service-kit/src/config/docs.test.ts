import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { baseConfigSchema } from './base-schema.ts';

const doc = readFileSync(resolve(import.meta.dirname, '../../../../docs/configuration.md'), 'utf8');

describe('docs/configuration.md', () => {
  it.each(Object.keys(baseConfigSchema.properties))('documents %s', (variable) => {
    expect(doc).toMatch(new RegExp(`^\\|\\s*\`${variable}\`\\s*\\|`, 'm'));
  });
});
