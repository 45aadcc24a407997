import { describe, expect, it } from '@jest/globals';
import { developmentPepper } from '../../domain/clients/client-secret.ts';
import { clientsProductionRules, resolvePepper } from './clients-config.ts';

describe('clients config', () => {
  it('refuses production without CLIENT_SECRET_PEPPER', () => {
    expect(clientsProductionRules({ NODE_ENV: 'production' })).toEqual([
      expect.stringMatching(/^CLIENT_SECRET_PEPPER: is required in production/),
    ]);
    expect(
      clientsProductionRules({
        NODE_ENV: 'production',
        CLIENT_SECRET_PEPPER: Buffer.alloc(32).toString('base64'),
      }),
    ).toEqual([]);
  });

  it('falls back to the development pepper outside production only, with a warning', () => {
    const warnings: string[] = [];
    const pepper = resolvePepper({ NODE_ENV: 'development' }, {
      warn: (m: string) => {
        warnings.push(m);
      },
    } as never);
    expect(pepper.equals(developmentPepper())).toBe(true);
    expect(warnings).toHaveLength(1);
    expect(() => resolvePepper({ NODE_ENV: 'production' })).toThrow(/required in production/);
  });
});
