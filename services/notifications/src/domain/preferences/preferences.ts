/**
 * Pure rules of notification preferences: the effective matrix of a user (defaults + stored
 * choices), whether a message may go out, and the validation of a change.
 */
import { CATEGORIES, type Category, CHANNELS, type Channel, isMandatory } from './categories.ts';

/** One stored choice: category × channel → enabled. */
export interface PreferenceChoice {
  category: Category;
  channel: Channel;
  enabled: boolean;
}

export type PreferenceMatrix = Record<Category, Record<Channel, boolean>>;

/** What a user asks to change: some categories, some channels of each. */
export type PreferenceChange = Partial<Record<Category, Partial<Record<Channel, boolean>>>>;

/** Everything on (the default for every category); mandatory categories are always on. */
export function effectivePreferences(stored: readonly PreferenceChoice[]): PreferenceMatrix {
  const matrix = Object.fromEntries(
    CATEGORIES.map((c) => [c, Object.fromEntries(CHANNELS.map((ch) => [ch, true]))]),
  ) as PreferenceMatrix;
  for (const choice of stored) {
    if (isMandatory(choice.category)) continue;
    matrix[choice.category][choice.channel] = choice.enabled;
  }
  return matrix;
}

/** Whether a message of `category` may be sent to the user on `channel`. */
export function allows(stored: readonly PreferenceChoice[], category: Category, channel: Channel): boolean {
  return effectivePreferences(stored)[category][channel];
}

export interface RefusedChange {
  category: Category;
  channel: Channel;
}

/**
 * The choices to store for a change, or the entries that try to turn a mandatory category off
 * (the request is refused as a whole then). Turning a mandatory category "on" is accepted and
 * stores nothing.
 */
export function planChange(
  change: PreferenceChange,
): { ok: true; choices: PreferenceChoice[] } | { ok: false; refused: RefusedChange[] } {
  const choices: PreferenceChoice[] = [];
  const refused: RefusedChange[] = [];
  for (const category of CATEGORIES) {
    const channels = change[category];
    if (channels === undefined) continue;
    for (const channel of CHANNELS) {
      const enabled = channels[channel];
      if (enabled === undefined) continue;
      if (isMandatory(category)) {
        if (!enabled) refused.push({ category, channel });
        continue;
      }
      choices.push({ category, channel, enabled });
    }
  }
  return refused.length > 0 ? { ok: false, refused } : { ok: true, choices };
}
