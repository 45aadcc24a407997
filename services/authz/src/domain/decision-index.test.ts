import { describe, expect, it } from '@jest/globals';
import { createAuthzIndex } from './decision-index.ts';
import type { Assignment, AuthzChange, AuthzSnapshot, Grant } from './model.ts';

let seq = 0;
function assignment(
  subject: string,
  role: string,
  scope: string | null = null,
  condition: string | null = null,
) {
  return { id: `a${++seq}`, subject, role, scope, condition } satisfies Assignment;
}
function grant(subject: string, permission: string, resource: string, condition: string | null = null) {
  return { id: `g${++seq}`, subject, permission, resource, condition } satisfies Grant;
}

/** document:9 → folder:3 → project:42 → org:acme; eng ⊂ all; alice ∈ eng; bob ∈ all. */
function model(extra: Partial<AuthzSnapshot> = {}): AuthzSnapshot {
  return {
    roles: [
      { name: 'viewer', permissions: ['documents:read'], includes: [] },
      { name: 'editor', permissions: ['documents:write'], includes: ['viewer'] },
      { name: 'owner', permissions: ['documents:*'], includes: ['editor'] },
      ...(extra.roles ?? []),
    ],
    assignments: extra.assignments ?? [],
    grants: extra.grants ?? [],
    memberships: [
      { group: 'group:eng', member: 'user:alice' },
      { group: 'group:all', member: 'group:eng' },
      { group: 'group:all', member: 'user:bob' },
      ...(extra.memberships ?? []),
    ],
    parents: [
      { resource: 'document:9', parent: 'folder:3' },
      { resource: 'folder:3', parent: 'project:42' },
      { resource: 'project:42', parent: 'org:acme' },
      { resource: 'document:10', parent: 'folder:4' },
      { resource: 'folder:4', parent: 'project:43' },
      ...(extra.parents ?? []),
    ],
  };
}

describe('check: roles, wildcards and inheritance', () => {
  it('allows through an exact permission and through role includes, transitively', () => {
    const index = createAuthzIndex(model({ assignments: [assignment('user:carol', 'owner', 'document:9')] }));
    for (const p of ['documents:read', 'documents:write', 'documents:delete'])
      expect(index.check({ subject: 'user:carol', permission: p, resource: 'document:9' })).toEqual({
        allowed: true,
        reason: 'role:owner on document:9',
      });
    expect(
      index.check({ subject: 'user:carol', permission: 'folders:read', resource: 'document:9' }).allowed,
    ).toBe(false);
  });

  it('viewer does not get what only editor has', () => {
    const index = createAuthzIndex(
      model({ assignments: [assignment('user:carol', 'viewer', 'document:9')] }),
    );
    expect(
      index.check({ subject: 'user:carol', permission: 'documents:read', resource: 'document:9' }).allowed,
    ).toBe(true);
    expect(
      index.check({ subject: 'user:carol', permission: 'documents:write', resource: 'document:9' }),
    ).toEqual({ allowed: false, reason: null, denial: 'no_matching_role_or_grant' });
  });

  it('platform-admin is built in, has *, and cannot be redefined or deleted', () => {
    const index = createAuthzIndex(model({ assignments: [assignment('user:root', 'platform-admin')] }));
    index.apply({ kind: 'role.upserted', role: { name: 'platform-admin', permissions: [], includes: [] } });
    index.apply({ kind: 'role.deleted', name: 'platform-admin' });
    expect(index.check({ subject: 'user:root', permission: 'anything:at-all', resource: 'x:1' })).toEqual({
      allowed: true,
      reason: 'role:platform-admin (global)',
    });
    expect(index.check({ subject: 'user:root', permission: 'roles:write' }).allowed).toBe(true);
    expect(index.rolePermissions('platform-admin')).toEqual(['*']);
    expect(index.role('platform-admin')?.builtIn).toBe(true);
  });

  it('an unknown or deleted role gives nothing; re-creating it restores access', () => {
    const index = createAuthzIndex(model({ assignments: [assignment('user:carol', 'ghost', 'document:9')] }));
    const req = { subject: 'user:carol', permission: 'documents:read', resource: 'document:9' };
    expect(index.check(req).allowed).toBe(false);
    index.apply({
      kind: 'role.upserted',
      role: { name: 'ghost', permissions: ['documents:read'], includes: [] },
    });
    expect(index.check(req).allowed).toBe(true);
    index.apply({ kind: 'role.deleted', name: 'ghost' });
    expect(index.check(req).allowed).toBe(false);
  });

  it('role changes are seen at once, through includes too', () => {
    const index = createAuthzIndex(model({ assignments: [assignment('user:carol', 'owner', 'document:9')] }));
    const req = { subject: 'user:carol', permission: 'comments:read', resource: 'document:9' };
    expect(index.check(req).allowed).toBe(false);
    index.apply({
      kind: 'role.upserted',
      role: { name: 'viewer', permissions: ['comments:*'], includes: [] },
    });
    expect(index.check(req).allowed).toBe(true);
    expect(index.rolePermissions('owner')).toEqual(['comments:*', 'documents:*', 'documents:write']);
  });
});

describe('check: scopes and the resource hierarchy', () => {
  it('a role on an ancestor applies to descendants, not to siblings or ancestors above it', () => {
    const index = createAuthzIndex(
      model({ assignments: [assignment('user:carol', 'viewer', 'project:42')] }),
    );
    const read = (resource: string) =>
      index.check({ subject: 'user:carol', permission: 'documents:read', resource });
    expect(read('document:9')).toEqual({ allowed: true, reason: 'role:viewer on project:42' });
    expect(read('folder:3').allowed).toBe(true);
    expect(read('project:42').allowed).toBe(true);
    expect(read('org:acme').allowed).toBe(false);
    expect(read('document:10').allowed).toBe(false);
    expect(read('document:unknown').allowed).toBe(false);
  });

  it('a scoped role does not count for a global check; a global one counts everywhere', () => {
    const index = createAuthzIndex(
      model({
        assignments: [assignment('user:carol', 'viewer', 'project:42'), assignment('user:dan', 'viewer')],
      }),
    );
    expect(index.check({ subject: 'user:carol', permission: 'documents:read' }).allowed).toBe(false);
    expect(index.check({ subject: 'user:dan', permission: 'documents:read' })).toEqual({
      allowed: true,
      reason: 'role:viewer (global)',
    });
    expect(
      index.check({ subject: 'user:dan', permission: 'documents:read', resource: 'document:10' }).allowed,
    ).toBe(true);
  });

  it('grants apply to their resource and its descendants, with wildcards, never to global checks', () => {
    const g = grant('user:erin', 'documents:*', 'folder:3');
    const index = createAuthzIndex(model({ grants: [g] }));
    expect(
      index.check({ subject: 'user:erin', permission: 'documents:read', resource: 'document:9' }),
    ).toEqual({
      allowed: true,
      reason: `grant:${g.id} (documents:* on folder:3)`,
    });
    expect(
      index.check({ subject: 'user:erin', permission: 'documents:read', resource: 'project:42' }).allowed,
    ).toBe(false);
    expect(
      index.check({ subject: 'user:erin', permission: 'folders:read', resource: 'folder:3' }).allowed,
    ).toBe(false);
    expect(index.check({ subject: 'user:erin', permission: 'documents:read' }).allowed).toBe(false);
  });

  it('re-parenting moves access with the resource; clearing the parent cuts it', () => {
    const index = createAuthzIndex(
      model({ assignments: [assignment('user:carol', 'viewer', 'project:43')] }),
    );
    const req = { subject: 'user:carol', permission: 'documents:read', resource: 'document:9' };
    expect(index.check(req).allowed).toBe(false);
    index.apply({ kind: 'parent.set', resource: 'folder:3', parent: 'project:43' });
    expect(index.check(req)).toEqual({ allowed: true, reason: 'role:viewer on project:43' });
    index.apply({ kind: 'parent.set', resource: 'document:9', parent: null });
    expect(index.check(req).allowed).toBe(false);
  });
});

describe('check: groups', () => {
  it('members inherit the roles of their groups, transitively, and the reason names the chain', () => {
    const index = createAuthzIndex(
      model({
        assignments: [
          assignment('group:eng', 'editor', 'project:42'),
          assignment('group:all', 'viewer', 'org:acme'),
        ],
      }),
    );
    expect(
      index.check({ subject: 'user:alice', permission: 'documents:write', resource: 'document:9' }),
    ).toEqual({
      allowed: true,
      reason: 'role:editor on project:42 via group:eng',
    });
    expect(
      index.check({ subject: 'user:bob', permission: 'documents:read', resource: 'document:9' }),
    ).toEqual({
      allowed: true,
      reason: 'role:viewer on org:acme via group:all',
    });
    expect(
      index.check({ subject: 'user:bob', permission: 'documents:write', resource: 'document:9' }).allowed,
    ).toBe(false);
    // alice reaches group:all through group:eng
    const index2 = createAuthzIndex(
      model({ assignments: [assignment('group:all', 'editor', 'project:42')] }),
    );
    expect(
      index2.check({ subject: 'user:alice', permission: 'documents:write', resource: 'document:9' }),
    ).toEqual({
      allowed: true,
      reason: 'role:editor on project:42 via group:eng > group:all',
    });
  });

  it('membership changes take effect at once (closure cache invalidated)', () => {
    const index = createAuthzIndex(model({ assignments: [assignment('group:all', 'viewer', 'project:42')] }));
    const req = { subject: 'user:alice', permission: 'documents:read', resource: 'document:9' };
    expect(index.check(req).allowed).toBe(true);
    index.apply({ kind: 'membership.removed', membership: { group: 'group:all', member: 'group:eng' } });
    expect(index.check(req).allowed).toBe(false);
    index.apply({ kind: 'membership.added', membership: { group: 'group:all', member: 'group:eng' } });
    expect(index.check(req).allowed).toBe(true);
    index.apply({ kind: 'membership.removed', membership: { group: 'group:eng', member: 'user:alice' } });
    expect(index.check(req).allowed).toBe(false);
  });

  it('groups gaining or losing global roles are seen at once when many subjects hold global roles', () => {
    // Enough global holders that the check takes the per-closure cached list of global-holding groups.
    const others = Array.from({ length: 10 }, (_, i) => assignment(`user:other-${i}`, 'viewer'));
    const index = createAuthzIndex(model({ assignments: others }));
    const req = { subject: 'user:alice', permission: 'documents:write' };
    expect(index.check(req).allowed).toBe(false);
    const a = assignment('group:all', 'editor');
    index.apply({ kind: 'assignment.added', assignment: a });
    expect(index.check(req)).toEqual({
      allowed: true,
      reason: 'role:editor (global) via group:eng > group:all',
    });
    index.apply({ kind: 'assignment.removed', id: a.id });
    expect(index.check(req).allowed).toBe(false);
    index.apply({ kind: 'assignment.added', assignment: a });
    index.apply({ kind: 'subject.removed', subject: 'group:all' });
    expect(index.check(req).allowed).toBe(false);
  });

  it('clients are subjects too', () => {
    const index = createAuthzIndex(model({ assignments: [assignment('client:gateway', 'checker')] }));
    index.apply({
      kind: 'role.upserted',
      role: { name: 'checker', permissions: ['authz:check'], includes: [] },
    });
    expect(index.check({ subject: 'client:gateway', permission: 'authz:check' }).allowed).toBe(true);
    expect(index.check({ subject: 'client:other', permission: 'authz:check' }).allowed).toBe(false);
  });
});

describe('check: conditions', () => {
  const mfa = 'context.mfa == true';
  const office =
    'ip_in_cidr(context.ip, "10.0.0.0/8") && time_between(now, "09:00", "18:00", "Europe/Lisbon")';
  const at = (iso: string) => new Date(iso);

  it('a condition that holds allows; false or erroring denies', () => {
    const index = createAuthzIndex(
      model({ assignments: [assignment('user:carol', 'editor', 'project:42', mfa)] }),
    );
    const base = { subject: 'user:carol', permission: 'documents:write', resource: 'document:9' };
    expect(index.check({ ...base, context: { mfa: true } })).toEqual({
      allowed: true,
      reason: 'role:editor on project:42 (condition met)',
    });
    expect(index.check({ ...base, context: { mfa: false } })).toEqual({
      allowed: false,
      reason: null,
      denial: 'condition_not_met',
    });
    expect(index.check({ ...base, context: {} }).allowed).toBe(false); // missing key: evaluation error
    expect(index.check({ ...base, context: {} }).denial).toBe('condition_not_met');
    // Another permission: no assignment covers it at all, whatever the context.
    expect(index.check({ ...base, permission: 'projects:admin', context: { mfa: true } }).denial).toBe(
      'no_matching_role_or_grant',
    );
    expect(index.check(base).allowed).toBe(false);
    expect(index.check({ ...base, context: { mfa: 'true' } }).allowed).toBe(false);
  });

  it('a non-boolean or uncompilable stored condition denies', () => {
    const index = createAuthzIndex(
      model({
        assignments: [
          assignment('user:carol', 'editor', 'project:42', 'context.mfa'),
          assignment('user:dan', 'editor', 'project:42', 'context.mfa =='),
        ],
      }),
    );
    const base = { permission: 'documents:write', resource: 'document:9' };
    expect(index.check({ ...base, subject: 'user:carol', context: { mfa: 'yes' } }).allowed).toBe(false);
    expect(index.check({ ...base, subject: 'user:carol', context: { mfa: true } }).allowed).toBe(true);
    expect(index.check({ ...base, subject: 'user:dan', context: { mfa: true } }).allowed).toBe(false);
  });

  it('time windows and IP ranges (grant with condition)', () => {
    const g = grant('user:erin', 'documents:read', 'project:42', office);
    const index = createAuthzIndex(model({ grants: [g] }));
    const base = { subject: 'user:erin', permission: 'documents:read', resource: 'document:9' };
    expect(
      index.check({ ...base, context: { ip: '10.1.2.3' }, now: at('2026-06-15T10:00:00Z') }).allowed,
    ).toBe(true);
    expect(
      index.check({ ...base, context: { ip: '192.0.2.1' }, now: at('2026-06-15T10:00:00Z') }).allowed,
    ).toBe(false);
    expect(
      index.check({ ...base, context: { ip: '10.1.2.3' }, now: at('2026-06-15T19:30:00Z') }).allowed,
    ).toBe(false);
    expect(
      index.check({ ...base, context: { ip: 'garbage' }, now: at('2026-06-15T10:00:00Z') }).allowed,
    ).toBe(false);
  });

  it('an unconditional path wins over an earlier conditional one; a failing condition does not block others', () => {
    const index = createAuthzIndex(
      model({
        assignments: [
          assignment('user:alice', 'editor', 'document:9', mfa),
          assignment('group:eng', 'editor', 'project:42'),
        ],
      }),
    );
    const base = { subject: 'user:alice', permission: 'documents:write', resource: 'document:9' };
    expect(index.check({ ...base, context: { mfa: false } })).toEqual({
      allowed: true,
      reason: 'role:editor on project:42 via group:eng',
    });
  });
});

describe('cycle guards', () => {
  it('roles: self, direct and transitive include cycles are refused', () => {
    const index = createAuthzIndex(model());
    expect(index.roleIncludesWouldCycle('viewer', ['viewer'])).toBe(true);
    expect(index.roleIncludesWouldCycle('viewer', ['editor'])).toBe(true); // editor includes viewer
    expect(index.roleIncludesWouldCycle('viewer', ['owner'])).toBe(true); // owner → editor → viewer
    expect(index.roleIncludesWouldCycle('owner', ['viewer', 'editor'])).toBe(false);
    expect(index.roleIncludesWouldCycle('fresh', ['owner', 'ghost'])).toBe(false);
  });

  it('groups: self membership and nested cycles are refused', () => {
    const index = createAuthzIndex(model());
    expect(index.membershipWouldCycle('group:eng', 'group:eng')).toBe(true);
    expect(index.membershipWouldCycle('group:eng', 'group:all')).toBe(true); // eng ⊂ all
    index.apply({ kind: 'membership.added', membership: { group: 'group:core', member: 'group:all' } });
    expect(index.membershipWouldCycle('group:eng', 'group:core')).toBe(true); // eng ⊂ all ⊂ core
    expect(index.membershipWouldCycle('group:core', 'group:eng')).toBe(false);
    expect(index.membershipWouldCycle('group:eng', 'user:bob')).toBe(false);
  });

  it('parents: self and ancestor cycles are refused; depth is bounded', () => {
    const index = createAuthzIndex(model(), { maxResourceDepth: 4 });
    expect(index.parentWouldCycle('folder:3', 'folder:3')).toBe(true);
    expect(index.parentWouldCycle('org:acme', 'document:9')).toBe(true);
    expect(index.parentWouldCycle('project:42', 'folder:3')).toBe(true);
    expect(index.parentWouldCycle('project:43', 'org:acme')).toBe(false);
    // document:9 has 3 ancestors (folder:3, project:42, org:acme); a region above org makes 4, the limit.
    expect(index.parentWouldExceedDepth('org:acme', 'region:eu')).toBe(false);
    index.apply({ kind: 'parent.set', resource: 'org:acme', parent: 'region:eu' });
    expect(index.parentWouldExceedDepth('region:eu', 'planet:earth')).toBe(true);
    expect(index.parentWouldExceedDepth('document:new', 'folder:3')).toBe(false);
    expect(index.parentWouldExceedDepth('document:new', 'document:9')).toBe(true);
  });

  it('a cycle that arrives anyway (racing writers) neither hangs nor allows anything new', () => {
    const index = createAuthzIndex(model({ assignments: [assignment('group:eng', 'viewer', 'project:42')] }));
    index.apply({ kind: 'membership.added', membership: { group: 'group:eng', member: 'group:all' } });
    index.apply({ kind: 'parent.set', resource: 'org:acme', parent: 'document:9' });
    index.apply({
      kind: 'role.upserted',
      role: { name: 'viewer', permissions: ['documents:read'], includes: ['owner'] },
    });
    expect(
      index.check({ subject: 'user:bob', permission: 'documents:read', resource: 'document:9' }).allowed,
    ).toBe(true);
    expect(
      index.check({ subject: 'user:carol', permission: 'documents:read', resource: 'document:9' }).allowed,
    ).toBe(false);
    expect(index.lookupSubjects({ permission: 'documents:read', resource: 'document:9' })).toEqual([
      'user:alice',
      'user:bob',
    ]);
    const ex = index.explain({ subject: 'user:alice', permission: 'documents:read', resource: 'document:9' });
    expect(ex.resource_chain).toEqual(['document:9', 'folder:3', 'project:42', 'org:acme']);
    expect(ex.allowed).toBe(true);
  });
});

describe('apply', () => {
  it('subject.removed drops the subject’s assignments, grants and memberships (as member and as group)', () => {
    const index = createAuthzIndex(
      model({
        assignments: [assignment('user:alice', 'viewer'), assignment('group:eng', 'editor', 'project:42')],
        grants: [grant('user:alice', 'documents:read', 'document:10')],
      }),
    );
    index.apply({ kind: 'subject.removed', subject: 'user:alice' });
    expect(index.check({ subject: 'user:alice', permission: 'documents:read' }).allowed).toBe(false);
    expect(
      index.check({ subject: 'user:alice', permission: 'documents:read', resource: 'document:10' }).allowed,
    ).toBe(false);
    expect(
      index.check({ subject: 'user:alice', permission: 'documents:write', resource: 'document:9' }).allowed,
    ).toBe(false);
    expect(index.stats()).toMatchObject({ assignments: 1, grants: 0, memberships: 2 });

    index.apply({ kind: 'membership.added', membership: { group: 'group:eng', member: 'user:frank' } });
    expect(
      index.check({ subject: 'user:frank', permission: 'documents:write', resource: 'document:9' }).allowed,
    ).toBe(true);
    index.apply({ kind: 'subject.removed', subject: 'group:eng' });
    expect(
      index.check({ subject: 'user:frank', permission: 'documents:write', resource: 'document:9' }).allowed,
    ).toBe(false);
    expect(index.stats()).toMatchObject({ assignments: 0, memberships: 1 });
  });

  it('is idempotent: each change applied twice gives the state of applying it once', () => {
    const changes: AuthzChange[] = [
      { kind: 'role.upserted', role: { name: 'r', permissions: ['documents:read'], includes: ['viewer'] } },
      {
        kind: 'assignment.added',
        assignment: { id: 'x1', subject: 'group:g', role: 'r', scope: 'p:1', condition: null },
      },
      {
        kind: 'grant.added',
        grant: { id: 'x2', subject: 'user:u', permission: 'files:*', resource: 'f:1', condition: null },
      },
      { kind: 'membership.added', membership: { group: 'group:g', member: 'user:u' } },
      { kind: 'parent.set', resource: 'f:1', parent: 'p:1' },
      { kind: 'assignment.removed', id: 'x1' },
      { kind: 'grant.removed', id: 'x2' },
      { kind: 'membership.removed', membership: { group: 'group:g', member: 'user:u' } },
      { kind: 'parent.set', resource: 'f:1', parent: null },
      { kind: 'subject.removed', subject: 'user:u' },
      { kind: 'role.deleted', name: 'r' },
    ];
    const once = createAuthzIndex(model());
    const twice = createAuthzIndex(model());
    const probe = (index: ReturnType<typeof createAuthzIndex>) => ({
      stats: { ...index.stats(), appliedChanges: 0 },
      u: index.lookupResources({ subject: 'user:u', permission: 'files:read', resourceType: 'f' }),
      p: index.lookupSubjects({ permission: 'documents:read', resource: 'f:1', includeGroups: true }),
    });
    for (const change of changes) {
      once.apply(change);
      twice.apply(change);
      twice.apply(change);
      expect(probe(twice)).toEqual(probe(once));
    }
  });

  it('re-adding an assignment with a known id replaces it', () => {
    const index = createAuthzIndex(model());
    const a = { id: 'same', subject: 'user:carol', role: 'viewer', scope: 'folder:3', condition: null };
    index.apply({ kind: 'assignment.added', assignment: a });
    index.apply({ kind: 'assignment.added', assignment: { ...a, scope: 'folder:4' } });
    expect(index.stats().assignments).toBe(1);
    expect(
      index.check({ subject: 'user:carol', permission: 'documents:read', resource: 'document:9' }).allowed,
    ).toBe(false);
    expect(
      index.check({ subject: 'user:carol', permission: 'documents:read', resource: 'document:10' }).allowed,
    ).toBe(true);
  });

  it('never takes an assignment with a malformed empty scope for a global one', () => {
    const index = createAuthzIndex(model());
    index.apply({
      kind: 'assignment.added',
      assignment: { id: 'e', subject: 'user:mallory', role: 'platform-admin', scope: '', condition: null },
    });
    expect(index.check({ subject: 'user:mallory', permission: 'roles:write' }).allowed).toBe(false);
    expect(
      index.check({ subject: 'user:mallory', permission: 'roles:write', resource: 'project:42' }).allowed,
    ).toBe(false);
    expect(index.globalRolesOf('user:mallory')).toEqual([]);
    expect(index.lookupSubjects({ permission: 'roles:write', resource: 'project:42' })).toEqual([]);
  });

  it('refuses a change kind it does not know, with a stable code', () => {
    const index = createAuthzIndex();
    expect(() => index.apply({ kind: 'role.renamed' } as unknown as AuthzChange)).toThrow(
      expect.objectContaining({ code: 'unknown_change' }),
    );
  });
});

describe('lookups', () => {
  it('lookupResources lists descendants of scopes and grants, of the type asked, sorted', () => {
    const index = createAuthzIndex(
      model({
        assignments: [assignment('group:eng', 'viewer', 'project:42')],
        grants: [
          grant('user:alice', 'documents:read', 'document:10'),
          grant('user:alice', 'folders:read', 'folder:4'),
        ],
      }),
    );
    const req = { subject: 'user:alice', permission: 'documents:read' };
    expect(index.lookupResources({ ...req, resourceType: 'document' })).toEqual([
      'document:10',
      'document:9',
    ]);
    expect(index.lookupResources({ ...req, resourceType: 'folder' })).toEqual(['folder:3']);
    expect(index.lookupResources({ ...req, resourceType: 'org' })).toEqual([]);
    expect(
      index.lookupResources({ subject: 'user:bob', permission: 'documents:read', resourceType: 'document' }),
    ).toEqual([]);
  });

  it('lookupResources with a global role lists every known resource of the type', () => {
    const index = createAuthzIndex(model({ assignments: [assignment('user:root', 'platform-admin')] }));
    expect(
      index.lookupResources({ subject: 'user:root', permission: 'x:y', resourceType: 'folder' }),
    ).toEqual(['folder:3', 'folder:4']);
  });

  it('lookupSubjects expands groups to members, includes global holders, honours conditions', () => {
    const index = createAuthzIndex(
      model({
        assignments: [
          assignment('group:all', 'viewer', 'org:acme'),
          assignment('user:root', 'platform-admin'),
          assignment('client:ci', 'viewer', 'folder:3', 'context.mfa == true'),
        ],
        grants: [grant('user:erin', 'documents:*', 'document:9')],
      }),
    );
    const req = { permission: 'documents:read', resource: 'document:9' };
    expect(index.lookupSubjects(req)).toEqual(['user:alice', 'user:bob', 'user:erin', 'user:root']);
    expect(index.lookupSubjects({ ...req, context: { mfa: true } })).toEqual([
      'client:ci',
      'user:alice',
      'user:bob',
      'user:erin',
      'user:root',
    ]);
    expect(index.lookupSubjects({ ...req, includeGroups: true })).toContain('group:eng');
    expect(index.lookupSubjects({ permission: 'documents:read', resource: 'document:10' })).toEqual([
      'user:root',
    ]);
    expect(index.lookupSubjects({ permission: 'documents:read' })).toEqual(['user:root']);
  });
});

describe('explain', () => {
  it('lists every path with why it allowed or failed, consistent with check', () => {
    const index = createAuthzIndex(
      model({
        assignments: [
          assignment('user:alice', 'viewer', 'document:9'),
          assignment('user:alice', 'editor', 'document:9', 'context.mfa == true'),
          assignment('user:alice', 'ghost', 'folder:3'),
          assignment('user:alice', 'viewer', 'project:43'),
          assignment('group:all', 'owner', 'org:acme', 'context.level > 2'),
        ],
        grants: [grant('group:eng', 'documents:write', 'folder:3', 'context.mfa == true')],
      }),
    );
    const req = {
      subject: 'user:alice',
      permission: 'documents:write',
      resource: 'document:9',
      context: { mfa: false, secret: 's3cr3t' },
      now: new Date('2026-06-15T12:00:00Z'),
    };
    const ex = index.explain(req);
    expect(ex.allowed).toBe(false);
    expect(ex.reason).toBeNull();
    expect(ex.request).toEqual({
      subject: 'user:alice',
      permission: 'documents:write',
      resource: 'document:9',
      now: '2026-06-15T12:00:00.000Z',
      context_keys: ['mfa', 'secret'],
    });
    expect(JSON.stringify(ex)).not.toContain('s3cr3t');
    expect(ex.resource_chain).toEqual(['document:9', 'folder:3', 'project:42', 'org:acme']);
    expect(ex.holders.map((h) => [h.subject, h.via])).toEqual([
      ['user:alice', []],
      ['group:eng', ['group:eng']],
      ['group:all', ['group:eng', 'group:all']],
    ]);
    const [alice, eng, all] = ex.holders;
    expect(alice?.paths.map((p) => [p.kind, p.applies_on, p.applies_as, p.outcome])).toEqual([
      ['assignment', 'document:9', 'resource', 'permission_not_covered'],
      ['assignment', 'document:9', 'resource', 'condition_false'],
      ['assignment', 'folder:3', 'ancestor', 'role_unknown'],
    ]);
    expect(alice?.not_considered).toEqual({ assignments: 1, grants: 0 });
    expect(alice?.paths[0]?.condition).toBeNull();
    expect(alice?.paths[1]).toMatchObject({
      role: 'editor',
      matched_by: 'documents:write',
      through_roles: ['editor'],
      condition: { expression: 'context.mfa == true', result: 'false' },
    });
    expect(eng?.paths).toEqual([
      expect.objectContaining({ kind: 'grant', permission: 'documents:write', outcome: 'condition_false' }),
    ]);
    expect(all?.paths[0]).toMatchObject({
      outcome: 'condition_error',
      matched_by: 'documents:*',
      through_roles: ['owner'],
      condition: { result: 'error' },
    });

    const allowed = index.explain({ ...req, context: { mfa: true } });
    expect(allowed.allowed).toBe(true);
    expect(allowed.reason).toBe(index.check({ ...req, context: { mfa: true } }).reason);
    expect(allowed.holders[0]?.paths[1]?.outcome).toBe('allows');
    // A read is covered through owner → editor → viewer.
    const read = index.explain({ ...req, permission: 'documents:read', context: { level: 3 } });
    expect(read.holders[2]?.paths[0]).toMatchObject({ outcome: 'allows', matched_by: 'documents:*' });
    const viaIncludes = index.explain({ ...req, permission: 'documents:read', subject: 'user:alice' });
    expect(viaIncludes.holders[0]?.paths[1]).toMatchObject({ through_roles: ['editor', 'viewer'] });
    expect(JSON.parse(JSON.stringify(read))).toEqual(read);
  });
});

describe('explain: global checks', () => {
  it('considers only global assignments and counts the rest', () => {
    const index = createAuthzIndex(
      model({
        assignments: [assignment('user:alice', 'viewer', 'project:42'), assignment('group:all', 'viewer')],
        grants: [grant('user:alice', 'documents:read', 'document:9')],
      }),
    );
    const ex = index.explain({ subject: 'user:alice', permission: 'documents:read' });
    expect(ex.allowed).toBe(true);
    expect(ex.reason).toBe('role:viewer (global) via group:eng > group:all');
    expect(ex.resource_chain).toEqual([]);
    expect(ex.holders[0]).toMatchObject({ paths: [], not_considered: { assignments: 1, grants: 1 } });
    expect(ex.holders[2]?.paths).toEqual([
      expect.objectContaining({
        kind: 'assignment',
        applies_on: null,
        applies_as: 'global',
        outcome: 'allows',
      }),
    ]);
  });
});

describe('stats and helpers', () => {
  it('counts what the index holds', () => {
    const index = createAuthzIndex(
      model({
        assignments: [assignment('user:a', 'viewer', 'project:42')],
        grants: [grant('user:a', 'x:y', 'z:1')],
      }),
    );
    expect(index.stats()).toMatchObject({
      roles: 4,
      assignments: 1,
      grants: 1,
      memberships: 3,
      parentLinks: 5,
      knownResources: 8, // 7 in the hierarchy (project:42 among them) + z:1
    });
  });

  it('globalRolesOf lists unconditional global roles, through groups', () => {
    const index = createAuthzIndex(
      model({
        assignments: [
          assignment('group:all', 'viewer'),
          assignment('user:alice', 'editor'),
          assignment('user:alice', 'owner', null, 'context.mfa == true'),
          assignment('user:alice', 'owner', 'project:42'),
        ],
      }),
    );
    expect(index.globalRolesOf('user:alice')).toEqual(['editor', 'viewer']);
    expect(index.globalRolesOf('user:nobody')).toEqual([]);
  });
});
