/**
 * Message categories and channels (notifications.md: "Security messages are always sent; other
 * categories honour the user's preferences"). Preferences are a matrix categories × channels. The
 * categories are those of the template catalogue (`domain/templates/catalogue.ts`):
 *
 * - `security`: alerts about the account (password or MFA changed, lock, refresh-token reuse,
 *   security detection, new device, someone signing up with the address). Always sent: an attacker
 *   must not be able to silence them.
 * - `transactional`: the link or code the recipient (or an admin for them) just asked for
 *   (verification, password reset, one-time code, magic link, invitation). Always sent: nobody could
 *   log in or recover an account without them.
 * - `webhooks`: operational notices to a webhook endpoint's owner. On by default; can be turned off
 *   per channel.
 */
import type { TemplateCategory } from '../templates/catalogue.ts';

export const CATEGORIES = [
  'security',
  'transactional',
  'webhooks',
] as const satisfies readonly TemplateCategory[];
export type Category = (typeof CATEGORIES)[number];

export const CHANNELS = ['email', 'sms'] as const;
export type Channel = (typeof CHANNELS)[number];

/** Categories a user cannot opt out of. */
export const MANDATORY_CATEGORIES: ReadonlySet<Category> = new Set<Category>(['security', 'transactional']);

export function isMandatory(category: Category): boolean {
  return MANDATORY_CATEGORIES.has(category);
}
