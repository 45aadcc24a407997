import { describe, expect, it } from '@jest/globals';
import { grantScopes, parseScope } from './scope.ts';

describe('scopes', () => {
  it('parses space-separated scope tokens and refuses malformed ones', () => {
    expect(parseScope('a b a')).toEqual(['a', 'b']);
    expect(parseScope('')).toEqual([]);
    for (const bad of ['a  b', ' a', 'a"', 'a\\b', 'é', 'x'.repeat(2001)])
      expect(parseScope(bad)).toBeUndefined();
  });

  it('grants every allowed scope by default, a subset on request, and nothing beyond', () => {
    expect(grantScopes(undefined, ['a', 'b'])).toEqual({ ok: true, granted: ['a', 'b'] });
    expect(grantScopes(['b'], ['a', 'b'])).toEqual({ ok: true, granted: ['b'] });
    expect(grantScopes(['b', 'c'], ['a', 'b'])).toEqual({ ok: false });
  });
});
