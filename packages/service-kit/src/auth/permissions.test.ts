import { describe, expect, it } from '@jest/globals';
import { hasPermission, permissionCovers } from './permissions.ts';

describe('permissionCovers', () => {
  it.each([
    ['users:read', 'users:read', true],
    ['*', 'users:read', true],
    ['*', 'anything', true],
    ['users:*', 'users:read', true],
    ['users:*', 'users:write', true],
    ['users:read', 'users:write', false],
    ['users:*', 'roles:read', false],
    ['users:*', 'users:', false],
    ['users:*', 'users', false],
    ['user:*', 'users:read', false],
    ['users', 'users:read', false],
    ['users:re*', 'users:read', false],
    ['*:read', 'users:read', false],
    [':*', 'users:read', false],
    ['', 'users:read', false],
    ['USERS:READ', 'users:read', false],
  ])('%j covers %j: %s', (granted, required, expected) => {
    expect(permissionCovers(granted, required)).toBe(expected);
  });
});

describe('hasPermission', () => {
  it('finds the permission among several', () => {
    expect(hasPermission({ permissions: ['roles:read', 'users:*'] }, 'users:write')).toBe(true);
  });

  it('denies without a permissions claim, or with one that is not a list', () => {
    expect(hasPermission({}, 'users:read')).toBe(false);
    expect(hasPermission({ permissions: undefined }, 'users:read')).toBe(false);
    expect(hasPermission({ permissions: '*' as unknown as string[] }, 'users:read')).toBe(false);
    expect(hasPermission({ permissions: [] }, 'users:read')).toBe(false);
  });

  it('ignores entries that are not strings', () => {
    const permissions = [{ toString: () => '*' }, 1, null, ['*']] as unknown as string[];
    expect(hasPermission({ permissions }, 'users:read')).toBe(false);
  });
});
