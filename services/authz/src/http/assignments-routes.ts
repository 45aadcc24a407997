/** `/v1/subjects/{subject}/roles`: role assignments, global or scoped to a resource (`roles:read` / `roles:write`). */
import { defineRoute, type Route } from '@authplatform/service-kit';
import { Type } from '@sinclair/typebox';
import type { AuthzModule } from '../app/authz-module.ts';
import { canonicalSubject } from '../domain/permissions.ts';
import type { AssignmentRow } from '../store/model/authz-store.ts';
import {
  actorOf,
  Condition,
  decodeCursor,
  Page,
  PageQuery,
  pageOf,
  Resource,
  Revision,
  RevisionBody,
  ROLES_READ,
  ROLES_WRITE,
  RoleName,
  Subject,
  Time,
} from './schemas.ts';

const AssignmentView = Type.Object(
  {
    id: Type.String(),
    subject: Type.String(),
    role: Type.String(),
    scope: Type.Union([Type.String(), Type.Null()], { description: 'null: global' }),
    condition: Type.Union([Type.String(), Type.Null()]),
    created_at: Time(),
  },
  { additionalProperties: false },
);
const WrittenAssignment = Type.Object(
  { ...AssignmentView.properties, revision: Revision() },
  { additionalProperties: false },
);

const view = (a: AssignmentRow) => ({
  id: a.id,
  subject: a.subject,
  role: a.role,
  scope: a.scope,
  condition: a.condition,
  created_at: a.createdAt.toISOString(),
});

const Params = Type.Object({ subject: Subject(), role: RoleName() });
const Scope = Type.Optional(
  Resource('Limit the assignment to this resource and its descendants; absent: global'),
);

export function assignmentsRoutes(authz: AuthzModule): Route[] {
  return [
    defineRoute({
      method: 'put',
      path: '/v1/subjects/{subject}/roles/{role}',
      operationId: 'assignRole',
      summary: 'Give a role to a subject',
      description:
        'Idempotent per (subject, role, scope): again with the same condition changes nothing (200), with another condition ' +
        'replaces it. Publishes `authz.role.assigned` (unconditional assignments only: the event has no condition and ' +
        'identity puts global roles into tokens). A `group:` subject must exist.',
      tags: ['assignments'],
      permission: ROLES_WRITE,
      request: {
        params: Params,
        query: Type.Object({ scope: Scope, condition: Type.Optional(Condition()) }),
      },
      responses: {
        200: { description: 'Already assigned (or condition replaced)', schema: WrittenAssignment },
        201: { description: 'Assigned', schema: WrittenAssignment },
        404: { description: 'No such role' },
      },
      handler: async ({ params, query, claims, reply }) => {
        const { result, revision } = await authz.assignments.assign(
          {
            subject: canonicalSubject(params.subject),
            role: params.role,
            scope: query.scope ?? null,
            condition: query.condition ?? null,
          },
          actorOf(claims),
        );
        const body = { ...view(result.assignment), revision: String(revision) };
        return result.created ? reply(201, body) : reply(200, body);
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/v1/subjects/{subject}/roles/{role}',
      operationId: 'unassignRole',
      summary: 'Take a role from a subject',
      description: 'Publishes `authz.role.unassigned`.',
      tags: ['assignments'],
      permission: ROLES_WRITE,
      request: { params: Params, query: Type.Object({ scope: Scope }) },
      responses: {
        200: { description: 'Unassigned', schema: RevisionBody },
        404: { description: 'No such assignment' },
      },
      handler: async ({ params, query, claims, reply }) => {
        const { revision } = await authz.assignments.unassign(
          { subject: canonicalSubject(params.subject), role: params.role, scope: query.scope ?? null },
          actorOf(claims),
        );
        return reply(200, { revision: String(revision) });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/subjects/{subject}/roles',
      operationId: 'listSubjectRoles',
      summary: "List a subject's role assignments",
      description: 'Direct assignments only (not those of its groups), ordered by id.',
      tags: ['assignments'],
      permission: ROLES_READ,
      request: { params: Type.Object({ subject: Subject() }), query: Type.Object(PageQuery) },
      responses: { 200: { description: 'A page of assignments', schema: Page(AssignmentView) } },
      handler: async ({ params, query, reply }) => {
        const limit = query.limit ?? 50;
        const rows = await authz.store.assignmentsOfSubject(
          canonicalSubject(params.subject),
          decodeCursor(query.cursor),
          limit + 1,
        );
        return reply(
          200,
          pageOf(rows, limit, (a) => a.id, view),
        );
      },
    }),
  ];
}
