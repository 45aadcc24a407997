/**
 * Property-based: random models (roles with include cycles, nested groups with membership cycles,
 * resource trees, scoped/global assignments, grants, conditions) changed by random changes, checked
 * against a brute-force reference evaluator written as a plain recursive search over plain arrays.
 * Lookups and explanations must agree with check.
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { createAuthzIndex } from './decision-index.ts';
import type { Assignment, AuthzChange, Grant, Membership, ResourceParent, Role } from './model.ts';

const USERS = ['user:u0', 'user:u1', 'user:u2', 'client:c0'];
const GROUPS = ['group:g0', 'group:g1', 'group:g2'];
const SUBJECTS = [...USERS, ...GROUPS];
const RESOURCES = ['doc:0', 'folder:1', 'doc:2', 'folder:3', 'doc:4', 'doc:5'];
const ROLE_NAMES = ['r0', 'r1', 'r2', 'r3'];
const GRANTED = ['doc:read', 'doc:write', 'doc:*', 'folder:read', '*'];
const REQUESTED = ['doc:read', 'doc:write', 'doc:*', 'folder:read', 'folder:write', '*'];
const CONDITIONS = [null, null, null, 'context.mfa == true', 'context.missing == true', 'context.mfa'];
const CONTEXTS: Array<Record<string, unknown>> = [{}, { mfa: true }, { mfa: false }, { mfa: 'yes' }];

// ---- Reference model and evaluator: plain arrays, recursive search, no indexes, no caches. ----

interface RefModel {
  roles: Role[];
  assignments: Assignment[];
  grants: Grant[];
  memberships: Membership[];
  parents: ResourceParent[];
}

function refCovers(granted: string, requested: string): boolean {
  if (granted === '*' || granted === requested) return true;
  if (!granted.endsWith(':*') || !requested.includes(':')) return false;
  return granted.split(':')[0] === requested.split(':')[0];
}

function refRoleCovers(m: RefModel, role: string, permission: string, visited: string[] = []): boolean {
  if (role === 'platform-admin') return true;
  if (visited.includes(role)) return false;
  const def = m.roles.find((r) => r.name === role);
  if (def === undefined) return false;
  if (def.permissions.some((p) => refCovers(p, permission))) return true;
  return def.includes.some((inc) => refRoleCovers(m, inc, permission, [...visited, role]));
}

/** The subject and every group it is in, following memberships upwards. */
function refHolders(m: RefModel, subject: string, found: string[] = []): string[] {
  if (found.includes(subject)) return found;
  found.push(subject);
  for (const ms of m.memberships) if (ms.member === subject) refHolders(m, ms.group, found);
  return found;
}

function refIsSelfOrAncestor(m: RefModel, candidate: string, resource: string, depth = 0): boolean {
  if (candidate === resource) return true;
  if (depth > 20) return false;
  const link = m.parents.find((p) => p.resource === resource);
  return link !== undefined && refIsSelfOrAncestor(m, candidate, link.parent, depth + 1);
}

function refCondition(expression: string | null, context: Record<string, unknown>): boolean {
  if (expression === null) return true;
  if (expression === 'context.mfa == true' || expression === 'context.mfa') return context.mfa === true;
  return false; // context.missing == true: the key is never there → evaluation error → deny
}

function refAllowed(
  m: RefModel,
  subject: string,
  permission: string,
  resource: string | undefined,
  context: Record<string, unknown>,
): boolean {
  const holders = refHolders(m, subject);
  const byAssignment = m.assignments.some(
    (a) =>
      holders.includes(a.subject) &&
      refRoleCovers(m, a.role, permission) &&
      (a.scope === null || (resource !== undefined && refIsSelfOrAncestor(m, a.scope, resource))) &&
      refCondition(a.condition, context),
  );
  const byGrant = m.grants.some(
    (g) =>
      resource !== undefined &&
      holders.includes(g.subject) &&
      refCovers(g.permission, permission) &&
      refIsSelfOrAncestor(m, g.resource, resource) &&
      refCondition(g.condition, context),
  );
  return byAssignment || byGrant;
}

function refApply(m: RefModel, c: AuthzChange): void {
  switch (c.kind) {
    case 'role.upserted':
      m.roles = [...m.roles.filter((r) => r.name !== c.role.name), c.role];
      break;
    case 'role.deleted':
      m.roles = m.roles.filter((r) => r.name !== c.name);
      break;
    case 'assignment.added':
      m.assignments = [...m.assignments.filter((a) => a.id !== c.assignment.id), c.assignment];
      break;
    case 'assignment.removed':
      m.assignments = m.assignments.filter((a) => a.id !== c.id);
      break;
    case 'grant.added':
      m.grants = [...m.grants.filter((g) => g.id !== c.grant.id), c.grant];
      break;
    case 'grant.removed':
      m.grants = m.grants.filter((g) => g.id !== c.id);
      break;
    case 'membership.added':
      if (!m.memberships.some((x) => x.group === c.membership.group && x.member === c.membership.member))
        m.memberships = [...m.memberships, c.membership];
      break;
    case 'membership.removed':
      m.memberships = m.memberships.filter(
        (x) => !(x.group === c.membership.group && x.member === c.membership.member),
      );
      break;
    case 'parent.set':
      m.parents = m.parents.filter((p) => p.resource !== c.resource);
      if (c.parent !== null) m.parents.push({ resource: c.resource, parent: c.parent });
      break;
    case 'subject.removed':
      m.assignments = m.assignments.filter((a) => a.subject !== c.subject);
      m.grants = m.grants.filter((g) => g.subject !== c.subject);
      m.memberships = m.memberships.filter((x) => x.member !== c.subject && x.group !== c.subject);
      break;
  }
}

// ---- Generators ----

const ids = fc.constantFrom('i0', 'i1', 'i2', 'i3', 'i4', 'i5', 'i6', 'i7', 'i8', 'i9');
const roleArb = fc.record({
  name: fc.constantFrom(...ROLE_NAMES, 'platform-admin'),
  permissions: fc.uniqueArray(fc.constantFrom(...GRANTED), { maxLength: 2 }),
  includes: fc.uniqueArray(fc.constantFrom(...ROLE_NAMES, 'ghost'), { maxLength: 2 }),
});
const assignmentArb = fc.record({
  id: ids,
  subject: fc.constantFrom(...SUBJECTS),
  role: fc.constantFrom(...ROLE_NAMES, 'platform-admin', 'ghost'),
  scope: fc.option(fc.constantFrom(...RESOURCES), { nil: null, freq: 3 }),
  condition: fc.constantFrom(...CONDITIONS),
});
const grantArb = fc.record({
  id: ids,
  subject: fc.constantFrom(...SUBJECTS),
  permission: fc.constantFrom(...GRANTED),
  resource: fc.constantFrom(...RESOURCES),
  condition: fc.constantFrom(...CONDITIONS),
});
const membershipArb = fc.record({ group: fc.constantFrom(...GROUPS), member: fc.constantFrom(...SUBJECTS) });
/** A parent always has a lower index than its child, so the hierarchy stays acyclic. */
const parentArb = fc.tuple(fc.integer({ min: 1, max: RESOURCES.length - 1 }), fc.nat()).map(
  ([child, p]): ResourceParent => ({
    resource: RESOURCES[child] as string,
    parent: RESOURCES[p % child] as string,
  }),
);

const changeArb: fc.Arbitrary<AuthzChange> = fc.oneof(
  roleArb.map((role): AuthzChange => ({ kind: 'role.upserted', role })),
  fc.constantFrom(...ROLE_NAMES).map((name): AuthzChange => ({ kind: 'role.deleted', name })),
  assignmentArb.map((assignment): AuthzChange => ({ kind: 'assignment.added', assignment })),
  ids.map((id): AuthzChange => ({ kind: 'assignment.removed', id })),
  grantArb.map((grant): AuthzChange => ({ kind: 'grant.added', grant })),
  ids.map((id): AuthzChange => ({ kind: 'grant.removed', id })),
  membershipArb.map((membership): AuthzChange => ({ kind: 'membership.added', membership })),
  membershipArb.map((membership): AuthzChange => ({ kind: 'membership.removed', membership })),
  parentArb.map((p): AuthzChange => ({ kind: 'parent.set', resource: p.resource, parent: p.parent })),
  fc
    .constantFrom(...RESOURCES)
    .map((resource): AuthzChange => ({ kind: 'parent.set', resource, parent: null })),
  fc.constantFrom(...SUBJECTS).map((subject): AuthzChange => ({ kind: 'subject.removed', subject })),
);

const scenarioArb = fc.record({
  roles: fc.array(roleArb, { maxLength: 5 }),
  assignments: fc.array(assignmentArb, { maxLength: 8 }),
  grants: fc.array(grantArb, { maxLength: 6 }),
  memberships: fc.array(membershipArb, { maxLength: 6 }),
  parents: fc.array(parentArb, { maxLength: 6 }),
  changes: fc.array(changeArb, { maxLength: 12 }),
});

type Scenario = typeof scenarioArb extends fc.Arbitrary<infer T> ? T : never;

type Probe = (index: ReturnType<typeof createAuthzIndex>, ref: RefModel) => void;

/**
 * The snapshot as the store would load it (later rows win, like replay), then the changes, calling
 * `probe` after each so caches are warm when the next change lands (stale caches would show).
 */
function build(s: Scenario, probe?: Probe) {
  const ref: RefModel = { roles: [], assignments: [], grants: [], memberships: [], parents: [] };
  for (const role of s.roles) refApply(ref, { kind: 'role.upserted', role });
  for (const membership of s.memberships) refApply(ref, { kind: 'membership.added', membership });
  for (const p of s.parents) refApply(ref, { kind: 'parent.set', resource: p.resource, parent: p.parent });
  for (const assignment of s.assignments) refApply(ref, { kind: 'assignment.added', assignment });
  for (const grant of s.grants) refApply(ref, { kind: 'grant.added', grant });
  const index = createAuthzIndex(structuredClone(ref));
  probe?.(index, ref);
  for (const change of s.changes) {
    index.apply(change);
    refApply(ref, change);
    probe?.(index, ref);
  }
  return { index, ref };
}

function known(ref: RefModel): Set<string> {
  return new Set([
    ...ref.assignments.flatMap((a) => (a.scope === null ? [] : [a.scope])),
    ...ref.grants.map((g) => g.resource),
    ...ref.parents.flatMap((p) => [p.resource, p.parent]),
  ]);
}

describe('decision index against a brute-force reference', () => {
  it('check agrees with the reference on every subject, permission, resource and context', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const { index, ref } = build(s, (index, ref) => {
          for (const subject of SUBJECTS)
            for (const resource of RESOURCES) {
              const context = { mfa: true };
              const expected = refAllowed(ref, subject, 'doc:read', resource, context);
              expect(index.check({ subject, permission: 'doc:read', resource, context }).allowed).toBe(
                expected,
              );
            }
        });
        for (const subject of [...SUBJECTS, 'user:stranger'])
          for (const permission of REQUESTED)
            for (const resource of [...RESOURCES, undefined])
              for (const context of CONTEXTS) {
                const expected = refAllowed(ref, subject, permission, resource, context);
                const decision = index.check({ subject, permission, resource, context });
                if (decision.allowed !== expected)
                  throw new Error(
                    `check(${subject}, ${permission}, ${resource}, ${JSON.stringify(context)}) = ${decision.allowed}, reference ${expected}`,
                  );
                if (decision.allowed !== (decision.reason !== null)) throw new Error('reason iff allowed');
              }
      }),
      { numRuns: 150 },
    );
  });

  it('lookupResources contains r iff check allows r, over the known resources of the type', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const { index, ref } = build(s, (index, ref) => {
          // After every change too, so cached sorted lists and closures cannot go stale unnoticed.
          const docs = [...known(ref)].filter((r) => r.startsWith('doc:'));
          for (const subject of SUBJECTS)
            expect(
              index.lookupResources({ subject, permission: 'doc:read', resourceType: 'doc', context: {} }),
            ).toEqual(docs.filter((r) => refAllowed(ref, subject, 'doc:read', r, {})).sort());
        });
        const all = [...known(ref)];
        for (const subject of SUBJECTS)
          for (const permission of REQUESTED)
            for (const resourceType of ['doc', 'folder'])
              for (const context of CONTEXTS) {
                const expected = all
                  .filter((r) => r.startsWith(`${resourceType}:`))
                  .filter((r) => refAllowed(ref, subject, permission, r, context))
                  .sort();
                expect(index.lookupResources({ subject, permission, resourceType, context })).toEqual(
                  expected,
                );
              }
      }),
      { numRuns: 100 },
    );
  });

  it('lookupSubjects contains s iff check allows s (groups only when asked)', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const { index, ref } = build(s);
        for (const permission of REQUESTED)
          for (const resource of [...RESOURCES, undefined])
            for (const context of CONTEXTS) {
              const allowed = [...SUBJECTS, 'user:stranger']
                .filter((subject) => refAllowed(ref, subject, permission, resource, context))
                .sort();
              expect(index.lookupSubjects({ permission, resource, context })).toEqual(
                allowed.filter((x) => !x.startsWith('group:')),
              );
              expect(index.lookupSubjects({ permission, resource, context, includeGroups: true })).toEqual(
                allowed,
              );
            }
      }),
      { numRuns: 100 },
    );
  });

  it('explain agrees with check: allowed iff some path allows, same reason', () => {
    fc.assert(
      fc.property(
        scenarioArb,
        fc.constantFrom(...SUBJECTS),
        fc.constantFrom(...REQUESTED),
        fc.option(fc.constantFrom(...RESOURCES), { nil: undefined }),
        fc.constantFrom(...CONTEXTS),
        (s, subject, permission, resource, context) => {
          const { index } = build(s);
          const req = { subject, permission, resource, context, now: new Date('2026-06-15T12:00:00Z') };
          const decision = index.check(req);
          const ex = index.explain(req);
          expect(ex.allowed).toBe(decision.allowed);
          expect(ex.reason).toBe(decision.reason);
          expect(ex.holders.some((h) => h.paths.some((p) => p.outcome === 'allows'))).toBe(decision.allowed);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('the cycle guards agree with the reference graph', () => {
    fc.assert(
      fc.property(
        scenarioArb,
        fc.constantFrom(...GROUPS),
        fc.constantFrom(...SUBJECTS),
        fc.constantFrom(...RESOURCES),
        fc.constantFrom(...RESOURCES),
        (s, group, member, resource, parent) => {
          const { index, ref } = build(s);
          // Adding member to group cycles iff group is (or is inside) member.
          expect(index.membershipWouldCycle(group, member)).toBe(refHolders(ref, group).includes(member));
          // Parenting resource under parent cycles iff resource is parent or one of its ancestors.
          expect(index.parentWouldCycle(resource, parent)).toBe(refIsSelfOrAncestor(ref, resource, parent));
        },
      ),
      { numRuns: 200 },
    );
  });
});
