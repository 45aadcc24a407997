/**
 * A small but real service for the fuzz helper's own tests: notes in Postgres (or PGlite), JSON
 * and form bodies, path, query and header parameters, bearer auth, idempotency, pagination.
 */
import { Type } from '@sinclair/typebox';
import { type Kysely, sql } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { problems } from '../../errors/problem.ts';
import { defineRoute } from '../../http/route.ts';
import { defineService } from '../../service/definition.ts';

interface NotesDatabase {
  notes: { id: string; title: string; tags: string[]; priority: number; created_at: string };
}

const Note = Type.Object({
  id: Type.String({ format: 'uuid' }),
  title: Type.String(),
  tags: Type.Array(Type.String()),
  priority: Type.Integer(),
});
const NoteInput = Type.Object({
  title: Type.String({ minLength: 1, maxLength: 100 }),
  tags: Type.Optional(Type.Array(Type.String({ maxLength: 20 }), { maxItems: 5 })),
  priority: Type.Optional(Type.Integer({ minimum: 1, maximum: 5 })),
});
const IdParams = Type.Object({ id: Type.String({ format: 'uuid' }) });

type Row = NotesDatabase['notes'];
const toNote = (row: Row) => ({ id: row.id, title: row.title, tags: row.tags, priority: row.priority });

export const notesService = defineService({
  name: 'notes',
  version: '0.0.1',
  description: 'Notes (fuzz helper tests)',
  defaultPort: 0,
  config: Type.Object({}),
  migrations: {
    '0001_notes': {
      up: async (db: Kysely<unknown>) => {
        await db.schema
          .createTable('notes')
          .addColumn('id', 'uuid', (c) => c.primaryKey())
          .addColumn('title', 'text', (c) => c.notNull())
          .addColumn('tags', sql`text[]`, (c) => c.notNull())
          .addColumn('priority', 'integer', (c) => c.notNull())
          .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
          .execute();
      },
    },
  },
  routes: ({ database }) => {
    const db = database.db as Kysely<NotesDatabase>;
    const insert = async (input: {
      title: string;
      tags?: string[] | undefined;
      priority?: number | undefined;
    }) =>
      toNote(
        await db
          .insertInto('notes')
          .values({
            id: uuidv7(),
            title: input.title,
            tags: input.tags ?? [],
            priority: input.priority ?? 3,
          } as never)
          .returningAll()
          .executeTakeFirstOrThrow(),
      );
    return [
      defineRoute({
        method: 'post',
        path: '/v1/notes',
        operationId: 'createNote',
        summary: 'Create a note',
        permission: 'notes:write',
        request: { body: NoteInput },
        responses: { 201: { description: 'Created', schema: Note } },
        handler: async ({ body, reply }) => reply(201, await insert(body)),
      }),
      defineRoute({
        method: 'post',
        path: '/v1/notes/import',
        operationId: 'importNote',
        summary: 'Create a note from a form',
        permission: 'notes:write',
        request: {
          body: Type.Object({
            title: Type.String({ minLength: 1, maxLength: 100 }),
            priority: Type.Optional(Type.Integer({ minimum: 1, maximum: 5 })),
            tag: Type.Optional(Type.Array(Type.String({ maxLength: 20 }), { maxItems: 5 })),
          }),
          bodyType: ['form', 'json'],
        },
        responses: { 201: { description: 'Created', schema: Note } },
        handler: async ({ body, reply }) =>
          reply(201, await insert({ title: body.title, priority: body.priority, tags: body.tag })),
      }),
      defineRoute({
        method: 'get',
        path: '/v1/notes',
        operationId: 'listNotes',
        summary: 'List notes',
        permission: 'notes:read',
        request: {
          query: Type.Object({
            limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
            cursor: Type.Optional(Type.String({ format: 'uuid' })),
            tag: Type.Optional(Type.String({ maxLength: 20 })),
          }),
        },
        responses: {
          200: {
            description: 'A page',
            schema: Type.Object({
              items: Type.Array(Note),
              next_cursor: Type.Union([Type.String(), Type.Null()]),
            }),
          },
        },
        handler: async ({ query, reply }) => {
          let q = db
            .selectFrom('notes')
            .selectAll()
            .orderBy('id')
            .limit(query.limit + 1);
          if (query.cursor !== undefined) q = q.where('id', '>', query.cursor);
          if (query.tag !== undefined) q = q.where(sql<boolean>`${query.tag} = any(tags)`);
          const rows = await q.execute();
          const page = rows.slice(0, query.limit);
          const next = rows.length > query.limit ? (page.at(-1)?.id ?? null) : null;
          return reply(200, { items: page.map(toNote), next_cursor: next });
        },
      }),
      defineRoute({
        method: 'patch',
        path: '/v1/notes/{id}',
        operationId: 'updateNote',
        summary: 'Update a note',
        permission: 'notes:write',
        request: { params: IdParams, body: Type.Partial(NoteInput, { minProperties: 1 }) },
        responses: { 200: { description: 'Updated', schema: Note }, 404: { description: 'No such note' } },
        handler: async ({ params, body, reply }) => {
          const row = await db
            .updateTable('notes')
            .set(body as never)
            .where('id', '=', params.id)
            .returningAll()
            .executeTakeFirst();
          if (row === undefined) throw problems.notFound('No such note.');
          return reply(200, toNote(row));
        },
      }),
      defineRoute({
        method: 'delete',
        path: '/v1/notes/{id}',
        operationId: 'deleteNote',
        summary: 'Delete a note',
        permission: 'notes:write',
        request: {
          params: IdParams,
          headers: Type.Object({ 'if-match': Type.Optional(Type.String({ pattern: '^"[0-9a-f-]{36}"$' })) }),
        },
        responses: { 204: { description: 'Deleted' }, 404: { description: 'No such note' } },
        handler: async ({ params, reply }) => {
          const deleted = await db.deleteFrom('notes').where('id', '=', params.id).executeTakeFirst();
          if (deleted.numDeletedRows === 0n) throw problems.notFound('No such note.');
          return reply(204);
        },
      }),
    ];
  },
});
