/** `/v1/roles`: create, list, read, change and delete roles (`roles:read` / `roles:write`). */
import { defineRoute, problems, type Route } from '@authplatform/service-kit';
import { Type } from '@sinclair/typebox';
import type { AuthzModule } from '../app/authz-module.ts';
import type { RoleRow } from '../store/model/authz-store.ts';
import {
  actorOf,
  decodeCursor,
  Page,
  PageQuery,
  Permission,
  pageOf,
  Revision,
  RevisionBody,
  ROLES_READ,
  ROLES_WRITE,
  RoleName,
  Time,
} from './schemas.ts';

const Permissions = Type.Array(Permission(), { maxItems: 500, uniqueItems: true });
const Includes = Type.Array(RoleName(), {
  maxItems: 100,
  uniqueItems: true,
  description: 'Roles whose permissions this role also has',
});
const Description = Type.Union([Type.String({ maxLength: 500 }), Type.Null()]);

const RoleView = Type.Object(
  {
    name: RoleName(),
    permissions: Type.Array(Type.String()),
    includes: Type.Array(Type.String()),
    description: Description,
    built_in: Type.Boolean({ description: 'Built-in roles cannot be changed or deleted' }),
    created_at: Time(),
    updated_at: Time(),
  },
  { additionalProperties: false },
);
const WrittenRole = Type.Object(
  { ...RoleView.properties, revision: Revision() },
  { additionalProperties: false },
);

const view = (r: RoleRow) => ({
  name: r.name,
  permissions: r.permissions,
  includes: r.includes,
  description: r.description,
  built_in: r.builtIn,
  created_at: r.createdAt.toISOString(),
  updated_at: r.updatedAt.toISOString(),
});

const NameParams = Type.Object({ name: RoleName() });

export function rolesRoutes(authz: AuthzModule): Route[] {
  return [
    defineRoute({
      method: 'post',
      path: '/v1/roles',
      operationId: 'createRole',
      summary: 'Create a role',
      description:
        'Publishes `authz.role.created`. Included roles must exist; include cycles are refused (409 `role_cycle`).',
      tags: ['roles'],
      permission: ROLES_WRITE,
      request: {
        body: Type.Object(
          {
            name: RoleName(),
            permissions: Permissions,
            includes: Type.Optional(Includes),
            description: Type.Optional(Description),
          },
          { additionalProperties: false },
        ),
      },
      responses: {
        201: { description: 'Created', schema: WrittenRole },
        409: { description: 'The role exists, or the includes would make a cycle' },
      },
      handler: async ({ body, claims, reply }) => {
        const { result, revision } = await authz.roles.create(
          {
            name: body.name,
            permissions: body.permissions,
            includes: body.includes ?? [],
            description: body.description,
          },
          actorOf(claims),
        );
        return reply(
          201,
          { ...view(result), revision: String(revision) },
          { location: `/v1/roles/${result.name}` },
        );
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/roles',
      operationId: 'listRoles',
      summary: 'List roles',
      description: 'Ordered by name.',
      tags: ['roles'],
      permission: ROLES_READ,
      request: { query: Type.Object(PageQuery) },
      responses: { 200: { description: 'A page of roles', schema: Page(RoleView) } },
      handler: async ({ query, reply }) => {
        const limit = query.limit ?? 50;
        const rows = await authz.store.listRoles(decodeCursor(query.cursor), limit + 1);
        return reply(
          200,
          pageOf(rows, limit, (r) => r.name, view),
        );
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/roles/{name}',
      operationId: 'getRole',
      summary: 'Read a role',
      tags: ['roles'],
      permission: ROLES_READ,
      request: { params: NameParams },
      responses: { 200: { description: 'The role', schema: RoleView }, 404: { description: 'No such role' } },
      handler: async ({ params, reply }) => {
        const role = await authz.store.getRole(params.name);
        if (role === undefined) throw problems.notFound(`Role ${params.name} does not exist.`);
        return reply(200, view(role));
      },
    }),
    defineRoute({
      method: 'patch',
      path: '/v1/roles/{name}',
      operationId: 'updateRole',
      summary: 'Change a role',
      description:
        'Replaces the fields given. Publishes `authz.role.updated`. Built-in roles answer 409 `built_in_role`.',
      tags: ['roles'],
      permission: ROLES_WRITE,
      request: {
        params: NameParams,
        body: Type.Object(
          {
            permissions: Type.Optional(Permissions),
            includes: Type.Optional(Includes),
            description: Type.Optional(Description),
          },
          { additionalProperties: false, minProperties: 1 },
        ),
      },
      responses: {
        200: { description: 'The role as it is now', schema: WrittenRole },
        404: { description: 'No such role' },
        409: { description: 'Built in, or the includes would make a cycle' },
      },
      handler: async ({ params, body, claims, reply }) => {
        const { result, revision } = await authz.roles.update(params.name, body, actorOf(claims));
        return reply(200, { ...view(result), revision: String(revision) });
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/v1/roles/{name}',
      operationId: 'deleteRole',
      summary: 'Delete a role and its assignments',
      description:
        'Publishes `authz.role.deleted` (its assignments go with it). Refused (409 `role_in_use`) while other roles include it; built-in roles answer 409 `built_in_role`.',
      tags: ['roles'],
      permission: ROLES_WRITE,
      request: { params: NameParams },
      responses: {
        200: { description: 'Deleted', schema: RevisionBody },
        404: { description: 'No such role' },
        409: { description: 'Built in, or included by other roles' },
      },
      handler: async ({ params, claims, reply }) => {
        const { revision } = await authz.roles.delete(params.name, actorOf(claims));
        return reply(200, { revision: String(revision) });
      },
    }),
  ];
}
