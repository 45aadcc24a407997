/** Reads and writes of notification preferences and of the messages skipped because of them. */
import { type Kysely, sql } from 'kysely';
import type { Category, Channel } from '../../domain/preferences/categories.ts';
import type { PreferenceChoice } from '../../domain/preferences/preferences.ts';
import type { PreferencesDatabase } from './schema.ts';

type Db = Kysely<PreferencesDatabase>;

export function preferencesStore(db: Db) {
  return {
    async choicesOf(userId: string): Promise<PreferenceChoice[]> {
      return db
        .selectFrom('preferences')
        .select(['category', 'channel', 'enabled'])
        .where('user_id', '=', userId)
        .execute();
    },

    /** Stores the choices (upserts); the others stay as they were. */
    async save(userId: string, choices: readonly PreferenceChoice[]): Promise<void> {
      if (choices.length === 0) return;
      await db
        .insertInto('preferences')
        .values(choices.map((c) => ({ user_id: userId, ...c })))
        .onConflict((oc) =>
          oc
            .columns(['user_id', 'category', 'channel'])
            .doUpdateSet({ enabled: sql`excluded.enabled`, updated_at: sql`now()` }),
        )
        .execute();
    },

    /** Records a message not sent because of the user's preferences; idempotent per (source, channel). */
    async recordSkip(skip: {
      sourceId: string;
      channel: Channel;
      userId: string;
      templateKey: string;
      category: Category;
    }): Promise<boolean> {
      const result = await db
        .insertInto('preference_skips')
        .values({
          source_id: skip.sourceId,
          channel: skip.channel,
          user_id: skip.userId,
          template_key: skip.templateKey,
          category: skip.category,
        })
        .onConflict((oc) => oc.columns(['source_id', 'channel']).doNothing())
        .returning('source_id')
        .executeTakeFirst();
      return result !== undefined;
    },

    /** Erasure: the user's choices and skip records; how many rows went. */
    async forget(userId: string): Promise<{ preferences: number; skips: number }> {
      const p = await db.deleteFrom('preferences').where('user_id', '=', userId).executeTakeFirst();
      const s = await db.deleteFrom('preference_skips').where('user_id', '=', userId).executeTakeFirst();
      return { preferences: Number(p.numDeletedRows), skips: Number(s.numDeletedRows) };
    },

    async exportOf(userId: string) {
      const preferences = await db
        .selectFrom('preferences')
        .select(['category', 'channel', 'enabled', 'updated_at'])
        .where('user_id', '=', userId)
        .orderBy('category')
        .orderBy('channel')
        .execute();
      const skips = await db
        .selectFrom('preference_skips')
        .select(['source_id', 'channel', 'template_key', 'category', 'created_at'])
        .where('user_id', '=', userId)
        .orderBy('created_at')
        .execute();
      return { preferences, skips };
    },
  };
}

export type PreferencesStore = ReturnType<typeof preferencesStore>;
