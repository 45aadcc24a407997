// Locale negotiation: the requested BCP 47 tag is narrowed subtag by subtag (pt-BR-x → pt-BR → pt),
// then any shipped locale of the same language is taken (pt-PT → pt-BR), then the default (en).

export const DEFAULT_LOCALE = 'en';

function canonical(tag: string): string | undefined {
  try {
    return Intl.getCanonicalLocales(tag.trim().replace(/_/g, '-'))[0];
  } catch {
    return undefined; // not a well-formed BCP 47 tag
  }
}

/**
 * The shipped locale to use for `requested` (case-insensitive; `pt_BR` accepted):
 * exact match, then shorter prefixes (`es-MX` → `es`), then a locale with the same language
 * (`pt` or `pt-PT` → `pt-BR`), then `fallback` (default `en`).
 */
export function negotiateLocale(
  requested: string | null | undefined,
  shipped: readonly string[],
  fallback: string = DEFAULT_LOCALE,
): string {
  if (typeof requested !== 'string' || requested.length === 0 || requested.length > 64) return fallback;
  const tag = canonical(requested);
  if (tag === undefined) return fallback;
  const byLower = new Map(shipped.map((l) => [l.toLowerCase(), l]));
  const subtags = tag.split('-');
  for (let n = subtags.length; n >= 1; n--) {
    const match = byLower.get(subtags.slice(0, n).join('-').toLowerCase());
    if (match !== undefined) return match;
  }
  const language = (subtags[0] ?? '').toLowerCase();
  const sameLanguage = shipped.find((l) => l.toLowerCase().split('-')[0] === language);
  return sameLanguage ?? fallback;
}
