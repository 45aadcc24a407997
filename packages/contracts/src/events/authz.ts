// authz-events: roles, assignments, grants and group membership, and sampled denied decisions.
import { Type } from '@sinclair/typebox';
import { Actor, AuthzSubject, Permission, Resource, RoleName, Uuid, UuidV7 } from '../schema/common.ts';
import { compliancePartEvents } from './compliance-parts.ts';
import { defineEvent } from './define.ts';
import { ex } from './example-values.ts';

const Role = Type.Object({
  name: RoleName(),
  permissions: Type.Array(Permission(), { uniqueItems: true }),
  includes: Type.Array(RoleName(), {
    uniqueItems: true,
    description: 'Roles whose permissions this role includes',
  }),
  actor: Type.Optional(Actor()),
});

const Assignment = Type.Object({
  subject: AuthzSubject(),
  role: RoleName(),
  scope: Type.Optional(
    Resource({ description: 'The resource the assignment is limited to; absent: global' }),
  ),
  actor: Type.Optional(Actor()),
});

const Grant = Type.Object({
  grant_id: Uuid(),
  subject: AuthzSubject(),
  permission: Permission(),
  resource: Resource(),
  actor: Type.Optional(Actor()),
});

const Membership = Type.Object({
  group_id: Type.String({ pattern: '^[A-Za-z0-9._@-]+$', maxLength: 200 }),
  subject: AuthzSubject({ description: 'The member (a user, client or nested group)' }),
  actor: Type.Optional(Actor()),
});

const admin = { type: 'admin', id: ex.adminId } as const;
const editor = {
  name: 'editor',
  permissions: ['documents:read', 'documents:write'],
  includes: ['viewer'],
  actor: admin,
};

export const authzEvents = [
  defineEvent('authz.role.created', {
    summary: 'A role was created.',
    subject: 'role/{name}',
    consumers: ['identity'],
    data: Role,
    examples: [editor],
  }),
  defineEvent('authz.role.updated', {
    summary: 'A role changed; the data is the role as it is now.',
    subject: 'role/{name}',
    consumers: ['identity'],
    data: Role,
    examples: [{ ...editor, permissions: ['documents:*'] }],
  }),
  defineEvent('authz.role.deleted', {
    summary: 'A role was deleted, with its assignments.',
    subject: 'role/{name}',
    consumers: ['identity'],
    data: Type.Object({ name: RoleName(), actor: Type.Optional(Actor()) }),
    examples: [{ name: 'editor', actor: admin }],
  }),
  defineEvent('authz.role.assigned', {
    summary: 'A role was given to a subject, globally or on one resource.',
    subject: '{subject}',
    consumers: ['identity'],
    data: Assignment,
    examples: [
      { subject: `user:${ex.userId}`, role: 'editor', scope: 'project:42', actor: admin },
      { subject: `user:${ex.adminId}`, role: 'platform-admin', actor: { type: 'system' } },
    ],
  }),
  defineEvent('authz.role.unassigned', {
    summary: 'A role was taken from a subject.',
    subject: '{subject}',
    consumers: ['identity'],
    data: Assignment,
    examples: [{ subject: `user:${ex.userId}`, role: 'editor', scope: 'project:42', actor: admin }],
  }),
  defineEvent('authz.grant.created', {
    summary: 'One permission on one resource was granted to a subject.',
    subject: '{subject}',
    data: Grant,
    examples: [
      {
        grant_id: ex.grantId,
        subject: `user:${ex.userId}`,
        permission: 'documents:read',
        resource: 'document:9',
        actor: admin,
      },
    ],
  }),
  defineEvent('authz.grant.deleted', {
    summary: 'A grant was removed.',
    subject: '{subject}',
    data: Grant,
    examples: [
      {
        grant_id: ex.grantId,
        subject: `user:${ex.userId}`,
        permission: 'documents:read',
        resource: 'document:9',
      },
    ],
  }),
  defineEvent('authz.group.member_added', {
    summary: 'A subject joined a group.',
    subject: '{subject}',
    consumers: ['identity'],
    data: Membership,
    examples: [{ group_id: 'finance', subject: `user:${ex.userId}`, actor: admin }],
  }),
  defineEvent('authz.group.member_removed', {
    summary: 'A subject left a group.',
    subject: '{subject}',
    consumers: ['identity'],
    data: Membership,
    examples: [{ group_id: 'finance', subject: `user:${ex.userId}` }],
  }),
  defineEvent('authz.decision.denied', {
    summary:
      'A decision answered "denied", sampled (`AUTHZ_DENIED_SAMPLE_RATE`) for the audit log and security ' +
      "monitoring. Identifiers only: never the caller's token, never the check's context values.",
    subject: '{subject}',
    data: Type.Object({
      decision_id: UuidV7({ description: 'The `decision_id` of the answer, also in the service log' }),
      subject: AuthzSubject({ maxLength: 205, description: 'Whose access was checked' }),
      permission: Permission(),
      resource: Type.Optional(Resource({ description: 'The resource checked; absent for a global check' })),
      reason: Type.Optional(
        Type.String({
          pattern: '^[a-z][a-z_]*$',
          maxLength: 64,
          description:
            'Why nothing allowed it: `no_matching_role_or_grant`, or `condition_not_met` (an assignment or ' +
            'grant would have allowed it but its condition was false or could not be evaluated); absent ' +
            'when not known (explain)',
        }),
      ),
      revision: Type.String({
        pattern: '^[0-9]{1,20}$',
        description: 'The revision the decision was computed at (what the answer carried)',
      }),
      sample_rate: Type.Number({
        exclusiveMinimum: 0,
        maximum: 1,
        description: 'The sampling rate in force: about 1 / sample_rate denials happened for each event',
      }),
      context_keys: Type.Optional(
        Type.Array(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]{0,63}$' }), {
          uniqueItems: true,
          maxItems: 64,
          description:
            "Keys of the check's `context`, sorted (values are never published: they may be personal)",
        }),
      ),
      actor: Type.Optional(
        Actor({ description: "Who asked for the decision (the caller's token: a client or a user)" }),
      ),
    }),
    examples: [
      {
        decision_id: ex.decisionId,
        subject: `user:${ex.userId}`,
        permission: 'documents:write',
        resource: 'document:9',
        reason: 'no_matching_role_or_grant',
        revision: '42',
        sample_rate: 0.01,
        context_keys: ['ip', 'mfa'],
        actor: { type: 'client', id: 'api-gateway' },
      },
      {
        decision_id: ex.otherDecisionId,
        subject: 'client:billing-service',
        permission: 'invoices:read',
        revision: '42',
        sample_rate: 1,
        actor: { type: 'user', id: ex.adminId },
      },
    ],
  }),
  ...compliancePartEvents('authz'),
] as const;
