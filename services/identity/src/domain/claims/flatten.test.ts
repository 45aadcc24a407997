import { describe, expect, it } from '@jest/globals';
import { flattenPermissions, type RoleDefinition } from './flatten.ts';
import { orderKey } from './ordering.ts';

describe('flattenPermissions', () => {
  it('follows includes transitively, tolerates cycles and unknown roles', () => {
    const defs = new Map<string, RoleDefinition>([
      ['editor', { permissions: ['documents:write'], includes: ['viewer'] }],
      ['viewer', { permissions: ['documents:read'], includes: ['editor', 'ghost'] }],
    ]);
    expect(flattenPermissions(['editor'], defs)).toEqual(['documents:read', 'documents:write']);
    expect(flattenPermissions(['ghost'], defs)).toEqual([]);
  });

  it('gives platform-admin `*` whatever the definitions say', () => {
    const defs = new Map<string, RoleDefinition>([['platform-admin', { permissions: [], includes: [] }]]);
    expect(flattenPermissions(['platform-admin'], defs)).toEqual(['*']);
  });
});

describe('orderKey', () => {
  it('uses the sequence, or -1 without one', () => {
    expect(orderKey({ id: 'A', sequence: '42' })).toEqual({ seq: '42', eventId: 'a' });
    expect(orderKey({ id: 'b' })).toEqual({ seq: '-1', eventId: 'b' });
  });
});
