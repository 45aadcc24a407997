/**
 * The templates admin API (notifications.md, "Endpoints"; permission `templates:write` for all):
 * `GET /v1/templates`, `GET/PUT/DELETE /v1/templates/{key}/{locale}`,
 * `POST /v1/templates/{key}/{locale}/preview`.
 */
import { defineRoute, problems, type Route } from '@authplatform/service-kit';
import { Type } from '@sinclair/typebox';
import {
  listTemplates,
  previewTemplate,
  readTemplate,
  removeOverride,
  saveOverride,
  type TemplatesDeps,
} from '../app/templates/manage-templates.ts';
import { OVERRIDE_LIMITS } from '../domain/templates/renderer.ts';

const PERMISSION = 'templates:write';
const NO_STORE = { 'Cache-Control': 'no-store' };

const Params = Type.Object({
  key: Type.String({
    pattern: '^[a-z0-9][a-z0-9-]{0,63}$',
    description: 'Template key, e.g. `password-reset`',
  }),
  locale: Type.String({
    pattern: '^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$',
    maxLength: 35,
    description: 'A shipped locale: `en`, `es`, `pt-BR`',
  }),
});

const Override = Type.Object(
  {
    subject: Type.Optional(
      Type.String({ minLength: 1, maxLength: OVERRIDE_LIMITS.subject, description: 'Handlebars, one line' }),
    ),
    mjml: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: OVERRIDE_LIMITS.mjml,
        description: 'Handlebars in MJML (body sections or a whole document); not with `html`',
      }),
    ),
    html: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: OVERRIDE_LIMITS.html,
        description: 'Handlebars producing a whole HTML document; not with `mjml`',
      }),
    ),
    text: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: OVERRIDE_LIMITS.text,
        description: 'Handlebars, plain-text body',
      }),
    ),
    sms: Type.Optional(
      Type.String({ minLength: 1, maxLength: OVERRIDE_LIMITS.sms, description: 'Handlebars, the SMS text' }),
    ),
  },
  { additionalProperties: false, minProperties: 1, description: 'Parts left out keep the shipped ones' },
);

const Channels = Type.Array(Type.Union([Type.Literal('email'), Type.Literal('sms')]));
const Category = Type.Union([
  Type.Literal('security'),
  Type.Literal('transactional'),
  Type.Literal('webhooks'),
]);

const summaryProperties = {
  key: Type.String(),
  locale: Type.String(),
  channels: Channels,
  category: Category,
  summary: Type.String(),
  overridden: Type.Boolean(),
  override_updated_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
};

const Summary = Type.Object(summaryProperties, { additionalProperties: false });

const View = Type.Object(
  {
    ...summaryProperties,
    fields: Type.Array(Type.String(), { description: 'Data fields available to the template' }),
    shipped: Type.Object(Override.properties, {
      additionalProperties: false,
      description: 'The shipped sources',
    }),
    override: Type.Union([Type.Object(Override.properties, { additionalProperties: false }), Type.Null()]),
    override_updated_by: Type.Union([Type.String(), Type.Null()]),
  },
  { additionalProperties: false },
);

const PreviewBody = Type.Object(
  {
    data: Type.Optional(
      Type.Object({}, { additionalProperties: true, description: 'Values replacing the sample data' }),
    ),
    timezone: Type.Optional(
      Type.String({ pattern: '^[A-Za-z][A-Za-z0-9_+\\-]*(/[A-Za-z0-9_+\\-]+)*$', maxLength: 64 }),
    ),
    override: Type.Optional(Override),
  },
  { additionalProperties: false },
);

const PreviewResult = Type.Object(
  {
    locale: Type.String(),
    timezone: Type.String(),
    email: Type.Union([
      Type.Object(
        { subject: Type.String(), html: Type.String(), text: Type.String() },
        { additionalProperties: false },
      ),
      Type.Null(),
    ]),
    sms: Type.Union([Type.Object({ text: Type.String() }, { additionalProperties: false }), Type.Null()]),
  },
  { additionalProperties: false },
);

/** Opaque cursor: base64url of the last item's `key locale`. */
const encodeCursor = (key: string, locale: string) => Buffer.from(`${key} ${locale}`).toString('base64url');
const decodeCursor = (cursor: string): string => {
  const text = Buffer.from(cursor, 'base64url').toString();
  if (!/^[a-z0-9-]+ [A-Za-z0-9-]+$/.test(text))
    throw problems.badRequest('invalid_cursor', 'The cursor is not valid.');
  return text;
};

export function templatesRoutes(deps: TemplatesDeps): Route[] {
  const list = defineRoute({
    method: 'get',
    path: '/v1/templates',
    operationId: 'listTemplates',
    summary: 'List templates',
    description:
      'Every template key in every shipped locale, sorted by key then locale, with whether an admin overrode it.',
    tags: ['templates'],
    permission: PERMISSION,
    request: {
      query: Type.Object(
        {
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
          cursor: Type.Optional(Type.String({ maxLength: 200 })),
        },
        { additionalProperties: false },
      ),
    },
    responses: {
      200: {
        description: 'A page of templates',
        schema: Type.Object(
          { items: Type.Array(Summary), next_cursor: Type.Union([Type.String(), Type.Null()]) },
          { additionalProperties: false },
        ),
      },
      400: { description: 'Invalid query or cursor' },
      401: { description: 'No valid access token' },
      403: { description: 'Missing templates:write' },
    },
    handler: async ({ query, reply }) => {
      const all = await listTemplates(deps);
      const limit = query.limit ?? 50;
      const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
      const start = after === undefined ? 0 : all.findIndex((t) => `${t.key} ${t.locale}` > after);
      const from = start < 0 ? all.length : start;
      const items = all.slice(from, from + limit);
      const last = items[items.length - 1];
      const next =
        from + limit < all.length && last !== undefined ? encodeCursor(last.key, last.locale) : null;
      return reply(200, { items, next_cursor: next }, NO_STORE);
    },
  });

  const read = defineRoute({
    method: 'get',
    path: '/v1/templates/{key}/{locale}',
    operationId: 'getTemplate',
    summary: 'Read a template: shipped sources and override',
    tags: ['templates'],
    permission: PERMISSION,
    request: { params: Params },
    responses: {
      200: { description: 'The template', schema: View },
      401: { description: 'No valid access token' },
      403: { description: 'Missing templates:write' },
      404: { description: 'Unknown key, or a locale that is not shipped' },
    },
    handler: async ({ params, reply }) =>
      reply(200, await readTemplate(deps, params.key, params.locale), NO_STORE),
  });

  const put = defineRoute({
    method: 'put',
    path: '/v1/templates/{key}/{locale}',
    operationId: 'putTemplateOverride',
    summary: 'Override a template in one locale',
    description:
      'The override is checked and rendered with sample data before it is saved; if that fails the answer is 400 ' +
      '`template_invalid` with one error per problem (part and line) and nothing is saved. It replaces a previous ' +
      'override of the same key and locale and is used for every message rendered after it.',
    tags: ['templates'],
    permission: PERMISSION,
    request: { params: Params, body: Override },
    responses: {
      200: { description: 'Saved', schema: View },
      400: { description: 'Invalid body, or the override does not render (`template_invalid`)' },
      401: { description: 'No valid access token' },
      403: { description: 'Missing templates:write' },
      404: { description: 'Unknown key, or a locale that is not shipped' },
    },
    handler: async ({ params, body, claims, reply }) => {
      const view = await saveOverride(deps, {
        key: params.key,
        locale: params.locale,
        content: body,
        actor: claims.sub,
      });
      return reply(200, view, NO_STORE);
    },
  });

  const remove = defineRoute({
    method: 'delete',
    path: '/v1/templates/{key}/{locale}',
    operationId: 'deleteTemplateOverride',
    summary: 'Remove the override of a template in one locale (back to the shipped one)',
    tags: ['templates'],
    permission: PERMISSION,
    request: { params: Params },
    responses: {
      204: { description: 'Removed' },
      401: { description: 'No valid access token' },
      403: { description: 'Missing templates:write' },
      404: { description: 'Unknown key or locale, or no override' },
    },
    handler: async ({ params, reply }) => {
      await removeOverride(deps, params.key, params.locale);
      return reply(204);
    },
  });

  const preview = defineRoute({
    method: 'post',
    path: '/v1/templates/{key}/{locale}/preview',
    operationId: 'previewTemplate',
    summary: 'Render a template with sample data',
    description:
      'Renders every channel of the template with the sample data (fields given in `data` replace sample values), ' +
      'the saved override or the `override` given (to try one before saving it). Nothing is stored or sent.',
    tags: ['templates'],
    permission: PERMISSION,
    request: { params: Params, body: PreviewBody },
    responses: {
      200: { description: 'The rendering', schema: PreviewResult },
      400: { description: 'Invalid body, override (`template_invalid`) or data (`template_data_invalid`)' },
      401: { description: 'No valid access token' },
      403: { description: 'Missing templates:write' },
      404: { description: 'Unknown key, or a locale that is not shipped' },
    },
    handler: async ({ params, body, reply }) => {
      const result = await previewTemplate(deps, params.key, params.locale, {
        ...(body.data === undefined ? {} : { data: body.data }),
        ...(body.timezone === undefined ? {} : { timezone: body.timezone }),
        ...(body.override === undefined ? {} : { override: body.override }),
      });
      return reply(200, result, NO_STORE);
    },
  });

  return [list, read, put, remove, preview];
}
