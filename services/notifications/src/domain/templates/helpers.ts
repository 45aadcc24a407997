// Handlebars helpers available to every template and override. They read the recipient's locale
// and time zone from the render's data frame (@locale, @timezone) and format with Intl, so that
// times show in the recipient's zone and language. Their results are plain strings: in HTML
// templates Handlebars escapes them like any other value.
import type { HelperDelegate, HelperOptions } from 'handlebars';

/** Read by the helpers from `options.data`; set by the renderer for each render. */
export interface RenderFrame {
  readonly locale: string;
  readonly timezone: string;
  readonly now: Date;
}

function frameOf(options: HelperOptions | undefined, helper: string): RenderFrame {
  const data = options?.data as { locale?: unknown; timezone?: unknown; now?: unknown } | undefined;
  if (typeof data?.locale !== 'string' || typeof data.timezone !== 'string' || !(data.now instanceof Date)) {
    throw new Error(`{{${helper}}}: called outside a render (no @locale/@timezone)`);
  }
  return { locale: data.locale, timezone: data.timezone, now: data.now };
}

function toDate(value: unknown, helper: string): Date {
  const date =
    value instanceof Date ? value : typeof value === 'string' ? new Date(value) : new Date(Number.NaN);
  if (Number.isNaN(date.getTime())) {
    throw new Error(`{{${helper}}} needs a date-time (RFC 3339), got ${describe(value)}`);
  }
  return date;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing (is the variable name right?)';
  if (value === null) return 'null';
  return JSON.stringify(value).slice(0, 60);
}

// Intl formatters are costly to build; keep them per (kind, locale, zone).
const formatters = new Map<string, Intl.DateTimeFormat>();
const relativeFormatters = new Map<string, Intl.RelativeTimeFormat>();

const DATE_TIME_OPTIONS: Record<'datetime' | 'date' | 'time', Intl.DateTimeFormatOptions> = {
  datetime: {
    year: 'numeric',
    month: 'long',
    day: 'numeric',
    hour: 'numeric',
    minute: '2-digit',
    timeZoneName: 'short',
  },
  date: { year: 'numeric', month: 'long', day: 'numeric' },
  time: { hour: 'numeric', minute: '2-digit', timeZoneName: 'short' },
};

function dateTimeFormat(kind: keyof typeof DATE_TIME_OPTIONS, locale: string, timeZone: string) {
  const cacheKey = `${kind} ${locale} ${timeZone}`;
  let format = formatters.get(cacheKey);
  if (format === undefined) {
    format = new Intl.DateTimeFormat(locale, { ...DATE_TIME_OPTIONS[kind], timeZone });
    formatters.set(cacheKey, format);
  }
  return format;
}

/** Formats an instant for a locale and IANA zone (exported for tests and the preview). */
export function formatDateTime(
  value: Date | string,
  locale: string,
  timeZone: string,
  kind: 'datetime' | 'date' | 'time' = 'datetime',
): string {
  return dateTimeFormat(kind, locale, timeZone).format(toDate(value, kind));
}

/** "in 30 minutes" / "em 30 minutos" / "dentro de 30 minutos" ("2 hours ago" when past). */
export function formatRelative(value: Date | string, locale: string, now: Date): string {
  const seconds = (toDate(value, 'relative').getTime() - now.getTime()) / 1000;
  const sign = seconds < 0 ? -1 : 1;
  const minutes = Math.round(Math.abs(seconds) / 60);
  // Minutes up to two hours (an exact hour reads "1 hour"), then whole hours up to two days, then
  // days; hours and days round down, so an expiry is never announced later than it is.
  const [amount, unit]: [number, Intl.RelativeTimeFormatUnit] =
    Math.abs(seconds) < 60
      ? [Math.round(seconds), 'second']
      : minutes < 120 && minutes !== 60
        ? [sign * minutes, 'minute']
        : minutes < 48 * 60
          ? [sign * Math.floor(minutes / 60), 'hour']
          : [sign * Math.floor(minutes / 1440), 'day'];
  let format = relativeFormatters.get(locale);
  if (format === undefined) {
    format = new Intl.RelativeTimeFormat(locale, { numeric: 'always' });
    relativeFormatters.set(locale, format);
  }
  return format.format(amount, unit);
}

/** Is `timeZone` an IANA zone Intl knows? */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone });
    return true;
  } catch {
    return false;
  }
}

const BROWSERS: readonly [RegExp, string][] = [
  [/\bEdg(?:e|A|iOS)?\/(\d+)/, 'Edge'],
  [/\b(?:OPR|Opera)\/(\d+)/, 'Opera'],
  [/\bSamsungBrowser\/(\d+)/, 'Samsung Internet'],
  [/\b(?:Firefox|FxiOS)\/(\d+)/, 'Firefox'],
  [/\b(?:Chrome|CriOS)\/(\d+)/, 'Chrome'],
  [/\bVersion\/(\d+)[.\d]* (?:Mobile\/\S+ )?Safari\//, 'Safari'],
  [/\bcurl\/(\d+)/, 'curl'],
];
const SYSTEMS: readonly [RegExp, string][] = [
  [/\b(?:iPhone|iPad|iPod)\b/, 'iOS'],
  [/\bAndroid\b/, 'Android'],
  [/\bCrOS\b/, 'ChromeOS'],
  [/\bWindows\b/, 'Windows'],
  [/\bMac OS X\b|\bMacintosh\b/, 'macOS'],
  [/\bLinux\b/, 'Linux'],
];

/**
 * A short description of a User-Agent ("Chrome 131, Linux"), or the User-Agent itself (cut to 120
 * characters) when it is not recognised. Good enough for an alert; not a device fingerprint.
 */
export function describeUserAgent(userAgent: string): string {
  let browser: string | undefined;
  for (const [pattern, label] of BROWSERS) {
    const match = pattern.exec(userAgent);
    if (match) {
      browser = `${label} ${match[1]}`;
      break;
    }
  }
  const system = SYSTEMS.find(([pattern]) => pattern.test(userAgent))?.[1];
  if (browser === undefined && system === undefined) {
    return userAgent.length > 120 ? `${userAgent.slice(0, 119)}…` : userAgent;
  }
  return [browser, system].filter((s) => s !== undefined).join(', ');
}

/** The helpers, by name. Also the list given to Handlebars as `knownHelpers` (anything else is an error). */
export const templateHelpers: Readonly<Record<string, HelperDelegate>> = {
  /** {{datetime expires_at}} → "November 28, 2026 at 5:02 PM GMT" in the recipient's zone. */
  datetime(value: unknown, options?: HelperOptions) {
    const frame = frameOf(options, 'datetime');
    return formatDateTime(toDate(value, 'datetime'), frame.locale, frame.timezone, 'datetime');
  },
  /** {{date until}} → "November 28, 2026". */
  date(value: unknown, options?: HelperOptions) {
    const frame = frameOf(options, 'date');
    return formatDateTime(toDate(value, 'date'), frame.locale, frame.timezone, 'date');
  },
  /** {{time occurred_at}} → "5:02 PM GMT". */
  time(value: unknown, options?: HelperOptions) {
    const frame = frameOf(options, 'time');
    return formatDateTime(toDate(value, 'time'), frame.locale, frame.timezone, 'time');
  },
  /** {{relative expires_at}} → "in 30 minutes", relative to the moment of rendering. */
  relative(value: unknown, options?: HelperOptions) {
    const frame = frameOf(options, 'relative');
    return formatRelative(toDate(value, 'relative'), frame.locale, frame.now);
  },
  /** {{#if (eq method "totp")}} */
  eq(a: unknown, b: unknown) {
    return a === b;
  },
  /** {{device user_agent}} → "Chrome 131, Linux". */
  device(value: unknown) {
    if (typeof value !== 'string') throw new Error(`{{device}} needs a User-Agent, got ${describe(value)}`);
    return describeUserAgent(value);
  },
};
