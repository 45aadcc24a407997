/**
 * Use cases: read and change the caller's notification preferences (`GET/PUT /v1/me/preferences`).
 *
 * The answer is the whole matrix categories × channels, with the mandatory categories (`security`,
 * `transactional`) always on and marked `locked`. A change lists the categories and channels to
 * set; the others keep their value. Trying to turn a locked category off is refused as a whole
 * (nothing is stored): silently ignoring it would let a client believe the user is opted out.
 */
import { problems } from '@authplatform/service-kit';
import type { Kysely } from 'kysely';
import { CATEGORIES, type Category, type Channel, isMandatory } from '../../domain/preferences/categories.ts';
import {
  effectivePreferences,
  type PreferenceChange,
  planChange,
} from '../../domain/preferences/preferences.ts';
import { preferencesStore } from '../../store/preferences/preferences-store.ts';
import type { PreferencesDatabase } from '../../store/preferences/schema.ts';

export interface PreferencesView {
  categories: Record<Category, { locked: boolean } & Record<Channel, boolean>>;
}

function view(matrix: ReturnType<typeof effectivePreferences>): PreferencesView {
  return {
    categories: Object.fromEntries(
      CATEGORIES.map((c) => [c, { locked: isMandatory(c), ...matrix[c] }]),
    ) as PreferencesView['categories'],
  };
}

export async function readPreferences(
  db: Kysely<PreferencesDatabase>,
  userId: string,
): Promise<PreferencesView> {
  return view(effectivePreferences(await preferencesStore(db).choicesOf(userId)));
}

export async function changePreferences(
  db: Kysely<PreferencesDatabase>,
  userId: string,
  change: PreferenceChange,
): Promise<PreferencesView> {
  const plan = planChange(change);
  if (!plan.ok) {
    throw problems.validation(
      plan.refused.map(({ category, channel }) => ({
        pointer: `/body/categories/${category}/${channel}`,
        code: 'preference_locked',
        detail: `${category} messages are always sent; they cannot be turned off.`,
      })),
      'Some categories cannot be turned off.',
    );
  }
  return db.transaction().execute(async (trx) => {
    const store = preferencesStore(trx);
    await store.save(userId, plan.choices);
    return view(effectivePreferences(await store.choicesOf(userId)));
  });
}
