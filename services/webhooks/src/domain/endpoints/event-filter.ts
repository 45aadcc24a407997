/**
 * An endpoint's event filter: exact types (`identity.user.registered`) and prefixes written with a
 * trailing `*` segment (`identity.*`, `identity.user.*`), as the spec's endpoint API takes them.
 */
export const EVENT_FILTER_PATTERN = '^[a-z][a-z0-9_]*(\\.([a-z][a-z0-9_]*|\\*))*$';
const FILTER = new RegExp(EVENT_FILTER_PATTERN);

export function isValidEventFilter(filter: string): boolean {
  if (!FILTER.test(filter)) return false;
  const star = filter.indexOf('*');
  // Only a trailing `*` segment is a prefix; `a.*.b` is refused rather than guessed at.
  return star === -1 || star === filter.length - 1;
}

export function matchesEventFilter(filter: string, type: string): boolean {
  if (filter.endsWith('.*')) return type.startsWith(filter.slice(0, -1));
  return filter === type;
}

export function matchesAny(filters: readonly string[], type: string): boolean {
  return filters.some((f) => matchesEventFilter(f, type));
}
