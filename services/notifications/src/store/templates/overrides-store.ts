/**
 * Template overrides per (key, locale). `findTemplateOverride` is what the delivery worker calls at
 * render time (exact key and locale; the caller walks the locale fallback chain).
 */
import type { Kysely, Selectable } from 'kysely';
import type { OverrideContent, TemplateOverridesTable, TemplatesDatabase } from './schema.ts';

export interface TemplateOverride {
  key: string;
  locale: string;
  content: OverrideContent;
  updatedBy: string;
  updatedAt: Date;
}

// Any kysely handle (or transaction) on the service schema: the table is in it.
type AnyDb = Kysely<unknown>;
const tables = (db: AnyDb) => db as unknown as Kysely<TemplatesDatabase>;

function toOverride(row: Selectable<TemplateOverridesTable>): TemplateOverride {
  return {
    key: row.key,
    locale: row.locale,
    content: row.content,
    updatedBy: row.updated_by,
    updatedAt: row.updated_at,
  };
}

/** The override of exactly this key and locale, if an admin saved one. */
export async function findTemplateOverride<DB>(
  db: Kysely<DB>,
  key: string,
  locale: string,
): Promise<TemplateOverride | undefined> {
  const row = await tables(db as unknown as AnyDb)
    .selectFrom('template_overrides')
    .selectAll()
    .where('key', '=', key)
    .where('locale', '=', locale)
    .executeTakeFirst();
  return row === undefined ? undefined : toOverride(row);
}

/**
 * The content of the override of exactly this key and locale, in the renderer's shape, or undefined:
 * what the delivery worker hands to the renderer as `override` (it walks the locale chain itself).
 */
export async function findTemplateOverrideContent<DB>(
  db: Kysely<DB>,
  key: string,
  locale: string,
): Promise<OverrideContent | undefined> {
  return (await findTemplateOverride(db, key, locale))?.content;
}

export function templateOverridesStore<DB>(handle: Kysely<DB>) {
  const db = tables(handle as unknown as AnyDb);
  return {
    find: (key: string, locale: string) => findTemplateOverride(db, key, locale),

    /** Every override (they are few: at most templates × locales). */
    async list(): Promise<TemplateOverride[]> {
      const rows = await db
        .selectFrom('template_overrides')
        .selectAll()
        .orderBy('key')
        .orderBy('locale')
        .execute();
      return rows.map(toOverride);
    },

    async save(o: Omit<TemplateOverride, 'updatedAt'>): Promise<TemplateOverride> {
      const row = await db
        .insertInto('template_overrides')
        .values({
          key: o.key,
          locale: o.locale,
          content: JSON.stringify(o.content),
          updated_by: o.updatedBy,
        })
        .onConflict((oc) =>
          oc.columns(['key', 'locale']).doUpdateSet({
            content: JSON.stringify(o.content),
            updated_by: o.updatedBy,
            updated_at: new Date(),
          }),
        )
        .returningAll()
        .executeTakeFirstOrThrow();
      return toOverride(row);
    },

    /** Erasure of an admin: their user id no longer names them as the author of overrides. */
    async forgetAuthor(userId: string): Promise<number> {
      const result = await db
        .updateTable('template_overrides')
        .set({ updated_by: 'erased' })
        .where('updated_by', '=', userId)
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },

    async remove(key: string, locale: string): Promise<boolean> {
      const result = await db
        .deleteFrom('template_overrides')
        .where('key', '=', key)
        .where('locale', '=', locale)
        .executeTakeFirst();
      return result.numDeletedRows > 0n;
    },
  };
}

export type TemplateOverridesStore = ReturnType<typeof templateOverridesStore>;
