import { describe, expect, it } from '@jest/globals';
import {
  canonicalSubject,
  isValidPermission,
  isValidResourceType,
  PermissionSet,
  parseResource,
  parseSubject,
  permissionCovers,
} from './permissions.ts';

describe('permission syntax', () => {
  it('accepts type:action and, unless told otherwise, the wildcards', () => {
    for (const p of ['documents:read', 'authz:check', 'keys:rotate', 'billing-v2:export.csv', 'a_b:X-1'])
      expect(isValidPermission(p)).toBe(true);
    expect(isValidPermission('documents:*')).toBe(true);
    expect(isValidPermission('*')).toBe(true);
    expect(isValidPermission('documents:*', { allowWildcard: false })).toBe(false);
    expect(isValidPermission('*', { allowWildcard: false })).toBe(false);
  });

  it('refuses malformed permissions', () => {
    for (const p of [
      '',
      'documents',
      'documents:',
      ':read',
      'Documents:read',
      'documents:read:all',
      'documents:re ad',
      '*:read',
      'documents:**',
      'documents:r*',
      '**',
      `documents:${'a'.repeat(65)}`,
      'doc\u0000s:read',
      42,
      null,
    ])
      expect(isValidPermission(p)).toBe(false);
  });
});

describe('subjects and resources', () => {
  it('parses type:id references', () => {
    expect(parseResource('project:42')).toEqual({ type: 'project', id: '42' });
    expect(parseResource('document:0193a2b4-7c1d-7e2f-8a9b-0c1d2e3f4a5b')).toEqual({
      type: 'document',
      id: '0193a2b4-7c1d-7e2f-8a9b-0c1d2e3f4a5b',
    });
    expect(parseSubject('user:alice@example.com')).toEqual({ type: 'user', id: 'alice@example.com' });
    expect(parseSubject('client:billing')).toEqual({ type: 'client', id: 'billing' });
    expect(parseSubject('group:eng')).toEqual({ type: 'group', id: 'eng' });
  });

  it('refuses other subject types and malformed references', () => {
    expect(parseSubject('project:42')).toBeNull();
    expect(parseSubject('role:admin')).toBeNull();
    for (const ref of [
      '',
      'project',
      'project:',
      ':42',
      'project:4:2',
      'project:a/b',
      'project:a b',
      'project:*',
      'Project:42',
      `project:${'x'.repeat(201)}`,
      'project:\n',
      undefined,
      {},
    ])
      expect(parseResource(ref)).toBeNull();
    expect(isValidResourceType('document')).toBe(true);
    expect(isValidResourceType('document:9')).toBe(false);
  });
});

describe('permission matching', () => {
  it('documents:read is covered by itself, documents:* and *', () => {
    expect(permissionCovers('documents:read', 'documents:read')).toBe(true);
    expect(permissionCovers('documents:*', 'documents:read')).toBe(true);
    expect(permissionCovers('*', 'documents:read')).toBe(true);
  });

  it('is not covered by other actions, other types or prefixes of the type', () => {
    expect(permissionCovers('documents:write', 'documents:read')).toBe(false);
    expect(permissionCovers('folders:*', 'documents:read')).toBe(false);
    expect(permissionCovers('doc:*', 'documents:read')).toBe(false);
    expect(permissionCovers('documents:*', 'documentsx:read')).toBe(false);
  });

  it('takes a requested wildcard literally', () => {
    expect(permissionCovers('documents:*', 'documents:*')).toBe(true);
    expect(permissionCovers('*', 'documents:*')).toBe(true);
    expect(permissionCovers('documents:read', 'documents:*')).toBe(false);
    expect(permissionCovers('documents:*', '*')).toBe(false);
    expect(permissionCovers('*', '*')).toBe(true);
  });

  it('PermissionSet agrees with permissionCovers', () => {
    const patterns = ['documents:read', 'folders:*'];
    const set = new PermissionSet(patterns);
    for (const requested of [
      'documents:read',
      'documents:write',
      'folders:read',
      'folders:*',
      'documents:*',
      '*',
      'foldersx:read',
    ])
      expect(set.covers(requested)).toBe(patterns.some((p) => permissionCovers(p, requested)));
    expect(new PermissionSet(['*']).covers('anything:goes')).toBe(true);
    expect(set.toArray()).toEqual(['documents:read', 'folders:*']);
  });
});

describe('canonicalSubject', () => {
  it('lower-cases the UUID id of a user or client, and nothing else', () => {
    const upper = '0193A5E2-7C1F-7B3E-9D4A-2F6C8E1B0A55';
    expect(canonicalSubject(`user:${upper}`)).toBe(`user:${upper.toLowerCase()}`);
    expect(canonicalSubject(`client:${upper}`)).toBe(`client:${upper.toLowerCase()}`);
    expect(canonicalSubject(`group:${upper}`)).toBe(`group:${upper}`);
    for (const kept of [
      'user:Alice',
      'client:Gateway-A',
      'client:cl_ABC',
      `user:${upper}0`,
      `user:x${upper}`,
    ])
      expect(canonicalSubject(kept)).toBe(kept);
    expect(canonicalSubject(canonicalSubject(`user:${upper}`))).toBe(canonicalSubject(`user:${upper}`));
  });
});
