/** `/v1/groups`: groups and their members (`roles:read` / `roles:write`: membership gives roles). */
import { defineRoute, problems, type Route } from '@authplatform/service-kit';
import { Type } from '@sinclair/typebox';
import type { AuthzModule } from '../app/authz-module.ts';
import { canonicalSubject } from '../domain/permissions.ts';
import type { GroupRow, MembershipRow } from '../store/model/authz-store.ts';
import {
  actorOf,
  decodeCursor,
  GroupId,
  Page,
  PageQuery,
  pageOf,
  Revision,
  RevisionBody,
  ROLES_READ,
  ROLES_WRITE,
  Subject,
  Time,
} from './schemas.ts';

const GroupView = Type.Object(
  {
    id: Type.String(),
    subject: Type.String({ description: '`group:<id>`: how the group is named as a subject' }),
    name: Type.String(),
    description: Type.Union([Type.String(), Type.Null()]),
    created_at: Time(),
  },
  { additionalProperties: false },
);
const WrittenGroup = Type.Object(
  { ...GroupView.properties, revision: Revision() },
  { additionalProperties: false },
);
const MemberView = Type.Object({ subject: Type.String(), added_at: Time() }, { additionalProperties: false });

const view = (g: GroupRow) => ({
  id: g.id,
  subject: `group:${g.id}`,
  name: g.name,
  description: g.description,
  created_at: g.createdAt.toISOString(),
});
const memberView = (m: MembershipRow) => ({ subject: m.member, added_at: m.createdAt.toISOString() });

const IdParams = Type.Object({ id: GroupId() });
const MemberParams = Type.Object({ id: GroupId(), subject: Subject() });

export function groupsRoutes(authz: AuthzModule): Route[] {
  return [
    defineRoute({
      method: 'post',
      path: '/v1/groups',
      operationId: 'createGroup',
      summary: 'Create a group',
      description: 'The id defaults to a new UUIDv7. The group is then the subject `group:<id>`.',
      tags: ['groups'],
      permission: ROLES_WRITE,
      request: {
        body: Type.Object(
          {
            id: Type.Optional(GroupId()),
            name: Type.String({ minLength: 1, maxLength: 200 }),
            description: Type.Optional(Type.String({ maxLength: 500 })),
          },
          { additionalProperties: false },
        ),
      },
      responses: {
        201: { description: 'Created', schema: WrittenGroup },
        409: { description: 'A group with this id exists' },
      },
      handler: async ({ body, reply }) => {
        const { result, revision } = await authz.groups.create(body);
        return reply(
          201,
          { ...view(result), revision: String(revision) },
          { location: `/v1/groups/${result.id}` },
        );
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/groups',
      operationId: 'listGroups',
      summary: 'List groups',
      description: 'Ordered by id.',
      tags: ['groups'],
      permission: ROLES_READ,
      request: { query: Type.Object(PageQuery) },
      responses: { 200: { description: 'A page of groups', schema: Page(GroupView) } },
      handler: async ({ query, reply }) => {
        const limit = query.limit ?? 50;
        const rows = await authz.store.listGroups(decodeCursor(query.cursor), limit + 1);
        return reply(
          200,
          pageOf(rows, limit, (g) => g.id, view),
        );
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/groups/{id}',
      operationId: 'getGroup',
      summary: 'Read a group',
      tags: ['groups'],
      permission: ROLES_READ,
      request: { params: IdParams },
      responses: {
        200: { description: 'The group', schema: GroupView },
        404: { description: 'No such group' },
      },
      handler: async ({ params, reply }) => {
        const group = await authz.store.getGroup(params.id);
        if (group === undefined) throw problems.notFound(`Group ${params.id} does not exist.`);
        return reply(200, view(group));
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/v1/groups/{id}',
      operationId: 'deleteGroup',
      summary: 'Delete a group',
      description:
        'Removes its memberships (its members, and its own membership of other groups), its role assignments and grants; ' +
        'publishes `authz.group.member_removed`, `authz.role.unassigned` and `authz.grant.deleted` for each.',
      tags: ['groups'],
      permission: ROLES_WRITE,
      request: { params: IdParams },
      responses: {
        200: { description: 'Deleted', schema: RevisionBody },
        404: { description: 'No such group' },
      },
      handler: async ({ params, claims, reply }) => {
        const { revision } = await authz.groups.delete(params.id, actorOf(claims));
        return reply(200, { revision: String(revision) });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/groups/{id}/members',
      operationId: 'listGroupMembers',
      summary: 'List the direct members of a group',
      tags: ['groups'],
      permission: ROLES_READ,
      request: { params: IdParams, query: Type.Object(PageQuery) },
      responses: {
        200: { description: 'A page of members', schema: Page(MemberView) },
        404: { description: 'No such group' },
      },
      handler: async ({ params, query, reply }) => {
        if ((await authz.store.getGroup(params.id)) === undefined) {
          throw problems.notFound(`Group ${params.id} does not exist.`);
        }
        const limit = query.limit ?? 50;
        const rows = await authz.store.membersOf(params.id, decodeCursor(query.cursor), limit + 1);
        return reply(
          200,
          pageOf(rows, limit, (m) => m.member, memberView),
        );
      },
    }),
    defineRoute({
      method: 'put',
      path: '/v1/groups/{id}/members/{subject}',
      operationId: 'addGroupMember',
      summary: 'Add a member to a group',
      description:
        'Any subject; a nested group must exist. A membership that would make groups contain each other is refused ' +
        '(409 `membership_cycle`). Idempotent. Publishes `authz.group.member_added`.',
      tags: ['groups'],
      permission: ROLES_WRITE,
      request: { params: MemberParams },
      responses: {
        200: { description: 'Already a member', schema: RevisionBody },
        201: { description: 'Added', schema: RevisionBody },
        404: { description: 'No such group' },
        409: { description: 'Would create a cycle' },
      },
      handler: async ({ params, claims, reply }) => {
        const { result, revision } = await authz.groups.addMember(
          params.id,
          canonicalSubject(params.subject),
          actorOf(claims),
        );
        return result.created
          ? reply(201, { revision: String(revision) })
          : reply(200, { revision: String(revision) });
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/v1/groups/{id}/members/{subject}',
      operationId: 'removeGroupMember',
      summary: 'Remove a member from a group',
      description: 'Publishes `authz.group.member_removed`.',
      tags: ['groups'],
      permission: ROLES_WRITE,
      request: { params: MemberParams },
      responses: {
        200: { description: 'Removed', schema: RevisionBody },
        404: { description: 'Not a member' },
      },
      handler: async ({ params, claims, reply }) => {
        const { revision } = await authz.groups.removeMember(
          params.id,
          canonicalSubject(params.subject),
          actorOf(claims),
        );
        return reply(200, { revision: String(revision) });
      },
    }),
  ];
}
