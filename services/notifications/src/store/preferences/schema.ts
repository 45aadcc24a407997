import type { ColumnType } from 'kysely';
import type { Category, Channel } from '../../domain/preferences/categories.ts';

export type PreferencesTable = {
  user_id: string;
  category: Category;
  channel: Channel;
  enabled: boolean;
  updated_at: ColumnType<Date, Date | undefined, Date>;
};

export type PreferenceSkipsTable = {
  /** The command or event id the message would have been sent for. */
  source_id: string;
  channel: Channel;
  user_id: string;
  template_key: string;
  category: Category;
  created_at: ColumnType<Date, Date | undefined, never>;
};

export type PreferencesDatabase = { preferences: PreferencesTable; preference_skips: PreferenceSkipsTable };
