// The template renderer: Handlebars (escaping on, strict, known helpers only) over MJML.
//
// Email HTML is built in two stages. MJML turns the layout + body (which still contain their
// {{ }} expressions) into responsive HTML once per template and locale, at creation; Handlebars
// then fills that HTML for each message. So recipient data never goes through MJML, and each
// send costs one Handlebars call. Subject, text and SMS are Handlebars without HTML escaping, and
// every string of data is stripped of control and bidi characters first (no CR/LF in a subject).
import { createHash, randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import mjml2html from 'mjml';
import {
  type Channel,
  sampleData as catalogueSample,
  type FieldSpec,
  isTemplateKey,
  type TemplateCategory,
  type TemplateDefinition,
  type TemplateKey,
  templateCatalogue,
} from './catalogue.ts';
import { TemplateError, type TemplateIssue, type TemplatePart } from './errors.ts';
import { isValidTimeZone, templateHelpers } from './helpers.ts';
import { DEFAULT_LOCALE, negotiateLocale } from './locales.ts';
import { misplacedSecrets, type SecretSentinel } from './secret-placement.ts';
import {
  assembleMjml,
  CONTENT_SLOT,
  FORBIDDEN_HELPERS,
  issueFromError,
  lintHandlebars,
  readTemplateDirectory,
  type TemplateDirectory,
} from './source.ts';

/**
 * What an admin can store per key and locale (PUT /v1/templates/{key}/{locale}). Every part is
 * optional: a missing part falls back to the shipped template.
 * - `subject`: Handlebars, one line.
 * - `mjml`: Handlebars inside MJML: the body (`<mj-section>`s, optionally a leading `<mj-preview>`)
 *   put into the shared layout, or a whole `<mjml>` document. Exclusive with `html`.
 * - `html`: Handlebars producing a whole HTML document, used as it is (no layout). Exclusive with `mjml`.
 * - `text`: Handlebars, the plain-text body (the shared text footer is added).
 * - `sms`: Handlebars, the SMS, for keys with an SMS channel.
 */
export interface TemplateOverrideSource {
  subject?: string;
  mjml?: string;
  html?: string;
  text?: string;
  sms?: string;
}

export const OVERRIDE_PARTS = ['subject', 'mjml', 'html', 'text', 'sms'] as const;
export type OverridePart = (typeof OVERRIDE_PARTS)[number];

/** Upper bounds of an override's parts, in characters. */
export const OVERRIDE_LIMITS: Readonly<Record<OverridePart, number>> = {
  subject: 1_000,
  mjml: 200_000,
  html: 200_000,
  text: 50_000,
  sms: 2_000,
};

export interface RenderInput {
  key: string;
  /** The recipient's preferred locale, any BCP 47 tag; negotiated with `resolveLocale`. */
  locale?: string | null;
  /** IANA zone for times; default (and when unknown to Intl) `UTC`. */
  timezone?: string | null;
  /** The template's fields (see catalogue.ts); unknown properties are ignored. */
  data: Readonly<Record<string, unknown>>;
  /** The admin's override for this key and the resolved locale, if any. */
  override?: TemplateOverrideSource | null;
}

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
  /** The locale actually used. */
  locale: string;
  /** The time zone actually used. */
  timezone: string;
}

export interface RenderedSms {
  text: string;
  locale: string;
  timezone: string;
}

export interface TemplateListing {
  key: TemplateKey;
  locale: string;
  channel: Channel;
  category: TemplateCategory;
  summary: string;
}

export interface TemplateRenderer {
  /** The shipped locales, sorted (`en`, `es`, `pt-BR`). */
  readonly locales: readonly string[];
  resolveLocale(requested: string | null | undefined): string;
  renderEmail(input: RenderInput): Promise<RenderedEmail>;
  renderSms(input: RenderInput): RenderedSms;
  /** Every shipped (key, locale, channel). */
  listTemplates(): TemplateListing[];
  /** Realistic data for previews and override validation. */
  sampleData(key: string): Record<string, unknown>;
  /** The shipped sources of a key in a locale (what an override starts from). */
  shippedSource(key: string, locale: string): TemplateOverrideSource;
  /** Problems of an override, found by checking and rendering it with sample data; empty: valid. */
  validateOverride(key: string, locale: string, source: unknown): Promise<TemplateIssue[]>;
}

export interface TemplateRendererOptions {
  /** Default: the `templates/` folder of this service. */
  templatesDir?: string;
  /** Shown in every message ({{product_name}}). Default `Auth Platform`. */
  productName?: string;
  /** Clock for {{relative}} ("expires in 30 minutes"). Default: the system clock. */
  now?: () => Date;
}

type Mode = 'html' | 'text';
type Compiled = Handlebars.TemplateDelegate;

interface CompiledEmail {
  subject: Compiled;
  html: Compiled;
  text: Compiled;
}

const DEFAULT_TEMPLATES_DIR = fileURLToPath(new URL('../../../templates/', import.meta.url));

// Ours, and the built-ins `log` and `lookup` marked unknown, so that with `knownHelpersOnly` the
// compiler refuses a call to them even if the lint were bypassed.
const knownHelpers = {
  ...Object.fromEntries(Object.keys(templateHelpers).map((name) => [name, true])),
  log: false,
  lookup: false,
};
const compileOptions: Record<Mode, CompileOptions> = {
  html: { strict: true, knownHelpers, knownHelpersOnly: true, noEscape: false, ignoreStandalone: true },
  text: { strict: true, knownHelpers, knownHelpersOnly: true, noEscape: true, ignoreStandalone: true },
};

const MJML_OPTIONS = {
  validationLevel: 'strict',
  keepComments: false,
  ignoreIncludes: true, // an override must not read files
} as const;

// C0/C1 controls (CR, LF, TAB, NUL, ESC, ...) and bidi/invisible formatting characters, which could
// break a header, fake lines, or make text read differently than it is ("Trojan Source").
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const UNSAFE_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]+/g;

function cleanString(value: string): string {
  return value.replace(UNSAFE_CHARACTERS, ' ');
}

/** Collapses whitespace to one line (a subject is a header: never a CR or LF). */
function oneLine(value: string, max: number): string {
  const line = value.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

function tidyText(value: string): string {
  return `${value
    .replace(/\r\n?/g, '\n')
    .replace(/[ \t]+$/gm, '')
    .replace(/\n{3,}/g, '\n\n')
    .trim()}\n`;
}

function checkField(name: string, spec: FieldSpec, value: unknown): string | undefined {
  if (value === undefined || value === null) {
    return spec.required ? `"${name}" is required` : undefined;
  }
  switch (spec.kind) {
    case 'string':
      return typeof value === 'string' ? undefined : `"${name}" must be a string`;
    case 'enum':
      // Unknown values of a known shape render through the templates' fallback branch, so that a
      // new method or rule never stops a security alert.
      return typeof value === 'string' && /^[a-z][a-z0-9_]{0,99}$/.test(value)
        ? undefined
        : `"${name}" must be one of ${spec.values?.join(', ') ?? 'the known values'}`;
    case 'url': {
      if (typeof value !== 'string') return `"${name}" must be a URL`;
      try {
        const url = new URL(value);
        return url.protocol === 'https:' || url.protocol === 'http:'
          ? undefined
          : `"${name}" must be an http(s) URL`;
      } catch {
        return `"${name}" must be a URL`;
      }
    }
    case 'code':
      return typeof value === 'string' && /^[0-9]{4,10}$/.test(value)
        ? undefined
        : `"${name}" must be a code of 4 to 10 digits`;
    case 'datetime':
      return (typeof value === 'string' &&
        /^\d{4}-\d{2}-\d{2}T/.test(value) &&
        !Number.isNaN(Date.parse(value))) ||
        (value instanceof Date && !Number.isNaN(value.getTime()))
        ? undefined
        : `"${name}" must be an RFC 3339 date-time`;
    case 'integer':
      return Number.isInteger(value) ? undefined : `"${name}" must be an integer`;
    case 'actor': {
      const actor = value as { type?: unknown; id?: unknown };
      return typeof value === 'object' &&
        typeof actor.type === 'string' &&
        (actor.id === undefined || typeof actor.id === 'string')
        ? undefined
        : `"${name}" must be an actor { type, id? }`;
    }
  }
}

/**
 * The render context of a key: exactly its declared fields (absent optional ones as null, so that
 * strict mode allows `{{#if inviter_name}}`), strings cleaned, plus `product_name`.
 */
function buildContext(
  definition: TemplateDefinition,
  data: Readonly<Record<string, unknown>>,
  productName: string,
): Record<string, unknown> {
  if (typeof data !== 'object' || data === null) {
    throw new TemplateError('template_data_invalid', 'Template data must be an object');
  }
  const problems: string[] = [];
  const context: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(definition.fields)) {
    const value = Object.hasOwn(data, name) ? data[name] : undefined;
    const problem = checkField(name, spec, value);
    if (problem !== undefined) problems.push(problem);
    if (value === undefined || value === null) context[name] = null;
    else if (typeof value === 'string') context[name] = cleanString(value);
    else if (spec.kind === 'actor') {
      const actor = value as { type: string; id?: string };
      context[name] = {
        type: cleanString(actor.type),
        id: actor.id === undefined ? null : cleanString(actor.id),
      };
    } else context[name] = value;
  }
  if (problems.length > 0) {
    throw new TemplateError(
      'template_data_invalid',
      `Data for template "${definition.key}": ${problems.join('; ')}`,
      { issues: problems.map((message) => ({ part: 'data', message })) },
    );
  }
  context.product_name = cleanString(productName);
  return context;
}

/** Handlebars' strict-mode messages, said for people who write templates. */
function explainRuntimeError(message: string, definition: TemplateDefinition): string {
  const unknown = /^"([^"]+)" not defined in \[object Object\]/.exec(message);
  if (unknown) {
    const known = [...Object.keys(definition.fields), 'product_name'].join(', ');
    return `Unknown variable "${unknown[1]}" (this template has: ${known})`;
  }
  const ofAbsent = /^"([^"]+)" not defined in (null|undefined)/.exec(message);
  if (ofAbsent) {
    return `"${ofAbsent[1]}" is read from a field that can be absent: put it inside {{#if <field>}}`;
  }
  return message;
}

function definitionOf(key: string): TemplateDefinition {
  if (!isTemplateKey(key)) throw new TemplateError('template_not_found', `No template "${key}"`);
  return templateCatalogue[key];
}

/** Creates a renderer: reads, compiles and checks every shipped template (throws if one is broken). */
export async function createTemplateRenderer(
  options: TemplateRendererOptions = {},
): Promise<TemplateRenderer> {
  const directory: TemplateDirectory = readTemplateDirectory(options.templatesDir ?? DEFAULT_TEMPLATES_DIR);
  const productName = options.productName ?? 'Auth Platform';
  const now = options.now ?? (() => new Date());
  const locales = directory.locales;
  const fallbackLocale = locales.includes(DEFAULT_LOCALE) ? DEFAULT_LOCALE : (locales[0] ?? DEFAULT_LOCALE);

  // One Handlebars environment per locale and mode, holding the helpers and that locale's partials
  // compiled for that mode (escaping in HTML, none in text).
  const environments = new Map<string, typeof Handlebars>();
  const partialNames = new Set<string>();
  for (const locale of locales) {
    for (const mode of ['html', 'text'] as const) {
      const env = Handlebars.create();
      // No built-in that prints or reaches data by computed name: `{{log code}}` would write the
      // secret to stdout on every send.
      for (const helper of FORBIDDEN_HELPERS) {
        if (helper === 'log' || helper === 'lookup') env.unregisterHelper(helper);
      }
      env.log = () => undefined;
      env.registerHelper(templateHelpers);
      for (const [name, source] of directory.partials.get(locale) ?? []) {
        partialNames.add(name);
        env.registerPartial(name, env.compile(source.trim(), compileOptions[mode]));
      }
      environments.set(`${locale} ${mode}`, env);
    }
  }
  const envOf = (locale: string, mode: Mode): typeof Handlebars => {
    const env = environments.get(`${locale} ${mode}`);
    if (env === undefined) throw new TemplateError('template_not_found', `Locale "${locale}" is not shipped`);
    return env;
  };

  const secretsOf = (definition: TemplateDefinition): Set<string> =>
    new Set(
      Object.entries(definition.fields)
        .filter(([, spec]) => spec.secret === true)
        .map(([name]) => name),
    );
  const lint = (key: TemplateKey, part: TemplatePart, source: string): TemplateIssue[] =>
    lintHandlebars(part, source, partialNames, secretsOf(templateCatalogue[key]));

  /** Handlebars-in-MJML → Handlebars-in-HTML, or the MJML issues. */
  const compileMjml = async (
    part: TemplatePart,
    fragment: string,
  ): Promise<{ html: string } | { issues: TemplateIssue[] }> => {
    const { document, firstLine } = assembleMjml(directory.layout.mjml, fragment);
    const offset = firstLine - 1;
    try {
      const result = await mjml2html(document, MJML_OPTIONS);
      if (result.errors.length > 0) {
        return {
          issues: result.errors.map((e) => ({ part, message: `MJML: ${e.message}`, line: e.line - offset })),
        };
      }
      return { html: result.html };
    } catch (error) {
      const errors = (error as { errors?: { message: string; line: number }[] }).errors;
      if (Array.isArray(errors) && errors.length > 0) {
        return {
          issues: errors.map((e) => ({ part, message: `MJML: ${e.message}`, line: e.line - offset })),
        };
      }
      return { issues: [issueFromError(part, error)] };
    }
  };

  const compileEmailParts = async (
    key: TemplateKey,
    locale: string,
    sources: { subject: string; mjml?: string; html?: string; text: string },
  ): Promise<{ compiled: CompiledEmail } | { issues: TemplateIssue[] }> => {
    const issues: TemplateIssue[] = [
      ...lint(key, 'subject', sources.subject),
      ...lint(key, 'text', sources.text),
    ];
    let htmlSource: string | undefined;
    if (sources.html !== undefined) {
      issues.push(...lint(key, 'html', sources.html));
      htmlSource = sources.html;
    } else if (sources.mjml !== undefined) {
      issues.push(...lint(key, 'mjml', sources.mjml));
      const result = await compileMjml('mjml', sources.mjml);
      if ('issues' in result) issues.push(...result.issues);
      else htmlSource = result.html;
    }
    if (issues.length > 0 || htmlSource === undefined) return { issues };
    try {
      const html = envOf(locale, 'html');
      const text = envOf(locale, 'text');
      return {
        compiled: {
          subject: text.compile(sources.subject, compileOptions.text),
          html: html.compile(htmlSource, compileOptions.html),
          text: text.compile(
            directory.layout.text.replace(CONTENT_SLOT, () => sources.text.trim()),
            compileOptions.text,
          ),
        },
      };
    } catch (error) {
      return { issues: [issueFromError('override', error)] };
    }
  };

  // Shipped templates: compiled once, here.
  const shippedEmail = new Map<string, CompiledEmail>();
  const shippedSms = new Map<string, Compiled>();
  const startupIssues: string[] = [];
  for (const [key, byLocale] of directory.templates) {
    for (const [locale, files] of byLocale) {
      const where = `${key}/${locale}`;
      if (templateCatalogue[key].channels.includes('email')) {
        const result = await compileEmailParts(key, locale, {
          subject: files.subject,
          mjml: files.mjml,
          text: files.text,
        });
        if ('issues' in result) {
          startupIssues.push(
            ...result.issues.map(
              (i) =>
                `${where}.${i.part === 'text' ? 'txt' : i.part}${i.line ? `:${i.line}` : ''}: ${i.message}`,
            ),
          );
        } else shippedEmail.set(`${key} ${locale}`, result.compiled);
      }
      if (files.sms !== undefined) {
        const issues = lint(key, 'sms', files.sms);
        if (issues.length > 0) startupIssues.push(...issues.map((i) => `${where}.sms.txt: ${i.message}`));
        else
          shippedSms.set(`${key} ${locale}`, envOf(locale, 'text').compile(files.sms, compileOptions.text));
      }
    }
  }

  // Overrides: compiled on first use and kept, by a hash of their source (bounded).
  const overrideCache = new Map<string, CompiledEmail | Compiled>();
  const remember = <T extends CompiledEmail | Compiled>(cacheKey: string, value: T): T => {
    if (overrideCache.size >= 256) {
      const oldest = overrideCache.keys().next().value;
      if (oldest !== undefined) overrideCache.delete(oldest);
    }
    overrideCache.set(cacheKey, value);
    return value;
  };
  const hashOf = (...parts: (string | undefined)[]): string =>
    createHash('sha256').update(JSON.stringify(parts)).digest('base64url');

  const resolveLocale = (requested: string | null | undefined): string =>
    negotiateLocale(requested, locales, fallbackLocale);

  const timezoneOf = (requested: string | null | undefined): string =>
    typeof requested === 'string' && requested.length <= 64 && isValidTimeZone(requested) ? requested : 'UTC';

  const emailTemplatesFor = async (
    key: TemplateKey,
    locale: string,
    override: TemplateOverrideSource | null | undefined,
  ): Promise<CompiledEmail> => {
    const shipped = shippedEmail.get(`${key} ${locale}`);
    if (shipped === undefined)
      throw new TemplateError('template_not_found', `No template "${key}" in ${locale}`);
    if (!override || (override.subject ?? override.mjml ?? override.html ?? override.text) === undefined) {
      return shipped;
    }
    const cacheKey = hashOf(
      'email',
      key,
      locale,
      override.subject,
      override.mjml,
      override.html,
      override.text,
    );
    const cached = overrideCache.get(cacheKey);
    if (cached !== undefined) return cached as CompiledEmail;
    const files = directory.templates.get(key)?.get(locale);
    const result = await compileEmailParts(key, locale, {
      subject: override.subject ?? files?.subject ?? '',
      text: override.text ?? files?.text ?? '',
      ...(override.html !== undefined
        ? { html: override.html }
        : { mjml: override.mjml ?? files?.mjml ?? '' }),
    });
    if ('issues' in result) {
      throw new TemplateError('template_invalid', `The override of "${key}" (${locale}) does not compile`, {
        issues: result.issues,
      });
    }
    return remember(cacheKey, result.compiled);
  };

  const smsTemplateFor = (
    key: TemplateKey,
    locale: string,
    override: TemplateOverrideSource | null | undefined,
  ) => {
    const shipped = shippedSms.get(`${key} ${locale}`);
    if (shipped === undefined)
      throw new TemplateError('channel_not_supported', `Template "${key}" has no SMS`);
    if (override?.sms === undefined) return shipped;
    const cacheKey = hashOf('sms', key, locale, override.sms);
    const cached = overrideCache.get(cacheKey);
    if (cached !== undefined) return cached as Compiled;
    const issues = lint(key, 'sms', override.sms);
    if (issues.length > 0) {
      throw new TemplateError('template_invalid', `The SMS override of "${key}" (${locale}) is invalid`, {
        issues,
      });
    }
    return remember(cacheKey, envOf(locale, 'text').compile(override.sms, compileOptions.text));
  };

  /** Runs a compiled template, turning Handlebars runtime errors into template_invalid. */
  const run = (
    definition: TemplateDefinition,
    part: TemplatePart,
    template: Compiled,
    context: object,
    frame: object,
  ): string => {
    try {
      return template(context, { data: frame });
    } catch (error) {
      const issue = issueFromError(part, error);
      const message = explainRuntimeError(issue.message, definition);
      throw new TemplateError('template_invalid', `Rendering the ${part} failed: ${message}`, {
        cause: error,
        issues: [{ ...issue, message }],
      });
    }
  };

  const renderEmail = async (input: RenderInput): Promise<RenderedEmail> => {
    const definition = definitionOf(input.key);
    if (!definition.channels.includes('email')) {
      throw new TemplateError('channel_not_supported', `Template "${definition.key}" has no email`);
    }
    const locale = resolveLocale(input.locale);
    const timezone = timezoneOf(input.timezone);
    const context = buildContext(definition, input.data, productName);
    const templates = await emailTemplatesFor(definition.key, locale, input.override);
    const frame = { locale, timezone, now: now(), category: definition.category, key: definition.key };
    // Every render (not only validation) puts a fresh random token in place of each secret, checks
    // where the tokens landed, and only then puts the secrets in: a template whose branches place a
    // secret in an image URL only for some data is refused on that send, never sent.
    const secrets: { sentinel: SecretSentinel; value: string }[] = [];
    const sentinelContext: Record<string, unknown> = { ...context };
    for (const field of secretsOf(definition)) {
      const value = context[field];
      if (typeof value !== 'string') continue;
      const token = `zq${randomBytes(16).toString('hex')}`;
      sentinelContext[field] = token;
      secrets.push({
        sentinel: { field, token, mayBeHref: definition.fields[field]?.kind === 'url' },
        value,
      });
    }
    const subject = oneLine(run(definition, 'subject', templates.subject, sentinelContext, frame), 250);
    const html = run(definition, 'html', templates.html, sentinelContext, { ...frame, subject });
    const text = tidyText(run(definition, 'text', templates.text, sentinelContext, frame));
    const htmlPart: TemplatePart = input.override?.html !== undefined ? 'html' : 'mjml';
    const issues: TemplateIssue[] = [];
    for (const { sentinel } of secrets) {
      if (subject.includes(sentinel.token)) {
        issues.push({
          part: 'subject',
          message: `{{${sentinel.field}}} is secret and may not be in the subject`,
        });
      }
    }
    for (const misplaced of misplacedSecrets(
      html,
      secrets.map((s) => s.sentinel),
    )) {
      issues.push({
        part: htmlPart,
        message: `{{${misplaced.field}}} is secret and may appear only as the whole href of an <a> or as text of the body, not ${misplaced.where}`,
      });
    }
    if (issues.length > 0) {
      throw new TemplateError(
        'template_invalid',
        `The template "${definition.key}" (${locale}) puts a secret where a mail client could send it away`,
        { issues },
      );
    }
    const reveal = (rendered: string, asHtml: boolean): string =>
      secrets.reduce(
        (out, { sentinel, value }) =>
          out.replaceAll(sentinel.token, () => (asHtml ? Handlebars.escapeExpression(value) : value)),
        rendered,
      );
    return { subject, html: reveal(html, true), text: reveal(text, false), locale, timezone };
  };

  const renderSms = (input: RenderInput): RenderedSms => {
    const definition = definitionOf(input.key);
    if (!definition.channels.includes('sms')) {
      throw new TemplateError('channel_not_supported', `Template "${definition.key}" has no SMS`);
    }
    const locale = resolveLocale(input.locale);
    const timezone = timezoneOf(input.timezone);
    const context = buildContext(definition, input.data, productName);
    const template = smsTemplateFor(definition.key, locale, input.override);
    const frame = { locale, timezone, now: now(), category: definition.category, key: definition.key };
    const text = run(definition, 'sms', template, context, frame).replace(/\r\n?/g, '\n').trim();
    return { text, locale, timezone };
  };

  const sampleData = (key: string): Record<string, unknown> => catalogueSample(definitionOf(key).key);

  /** The sample with every optional field left out: renders the "absent" branches. */
  const sparseSample = (definition: TemplateDefinition): Record<string, unknown> => {
    const full = catalogueSample(definition.key);
    return Object.fromEntries(
      Object.entries(full).filter(([name]) => definition.fields[name]?.required === true),
    );
  };

  const validateOverride = async (key: string, locale: string, source: unknown): Promise<TemplateIssue[]> => {
    if (!isTemplateKey(key)) return [{ part: 'override', message: `No template "${key}"` }];
    const definition = templateCatalogue[key];
    if (!locales.includes(locale)) {
      return [
        { part: 'override', message: `Locale "${locale}" is not shipped (shipped: ${locales.join(', ')})` },
      ];
    }
    if (typeof source !== 'object' || source === null || Array.isArray(source)) {
      return [
        { part: 'override', message: 'An override is an object of parts (subject, mjml, html, text, sms)' },
      ];
    }
    const issues: TemplateIssue[] = [];
    const override = source as Record<string, unknown>;
    const given = Object.keys(override).filter((k) => override[k] !== undefined);
    for (const part of given) {
      if (!(OVERRIDE_PARTS as readonly string[]).includes(part)) {
        issues.push({
          part: 'override',
          message: `Unknown part "${part}" (parts: ${OVERRIDE_PARTS.join(', ')})`,
        });
      } else if (typeof override[part] !== 'string') {
        issues.push({ part: part as OverridePart, message: 'Must be a string' });
      } else if ((override[part] as string).trim().length === 0) {
        issues.push({
          part: part as OverridePart,
          message: 'Must not be empty (leave it out to keep the shipped one)',
        });
      } else if ((override[part] as string).length > OVERRIDE_LIMITS[part as OverridePart]) {
        issues.push({
          part: part as OverridePart,
          message: `Longer than ${OVERRIDE_LIMITS[part as OverridePart]} characters`,
        });
      }
    }
    if (given.length === 0) issues.push({ part: 'override', message: 'An override needs at least one part' });
    if (override.mjml !== undefined && override.html !== undefined) {
      issues.push({ part: 'override', message: 'Give either "mjml" or "html", not both' });
    }
    const hasEmail = definition.channels.includes('email');
    const hasSms = definition.channels.includes('sms');
    if (!hasSms && override.sms !== undefined) {
      issues.push({ part: 'sms', message: `Template "${key}" has no SMS` });
    }
    if (!hasEmail) {
      for (const part of ['subject', 'mjml', 'html', 'text'] as const) {
        if (override[part] !== undefined) issues.push({ part, message: `Template "${key}" has no email` });
      }
    }
    if (issues.length > 0) return issues;
    const checked = override as TemplateOverrideSource;

    const samples = [sampleData(key), sparseSample(definition)];
    const mustShow = definition.mustInclude.map((field) => String(samples[0]?.[field]));
    const renderIssues = async (): Promise<TemplateIssue[]> => {
      const found: TemplateIssue[] = [];
      const emailGiven = ['subject', 'mjml', 'html', 'text'].some((p) => override[p] !== undefined);
      for (const data of samples) {
        if (hasEmail && emailGiven) {
          const email = await renderEmail({ key, locale, data, override: checked });
          if (email.subject.length === 0) found.push({ part: 'subject', message: 'Renders empty' });
          for (const value of mustShow) {
            const escaped = Handlebars.escapeExpression(value);
            const htmlPart: TemplatePart = checked.html !== undefined ? 'html' : 'mjml';
            if (!email.html.includes(escaped) && (checked.html ?? checked.mjml) !== undefined) {
              found.push({
                part: htmlPart,
                message: `Must show ${fieldOf(value)} (the message is useless without it)`,
              });
            }
            if (!email.text.includes(value) && checked.text !== undefined) {
              found.push({
                part: 'text',
                message: `Must show ${fieldOf(value)} (the message is useless without it)`,
              });
            }
          }
        }
        if (hasSms && checked.sms !== undefined) {
          const sms = renderSms({ key, locale, data, override: checked });
          for (const value of mustShow) {
            if (!sms.text.includes(value)) {
              found.push({
                part: 'sms',
                message: `Must show ${fieldOf(value)} (the message is useless without it)`,
              });
            }
          }
        }
        if (found.length > 0) break;
      }
      return found;
    };
    const fieldOf = (value: string): string => {
      const field = definition.mustInclude.find((f) => String(samples[0]?.[f]) === value);
      return field === undefined ? 'a required value' : `{{${field}}}`;
    };
    try {
      return await renderIssues();
    } catch (error) {
      if (error instanceof TemplateError && error.issues.length > 0) return [...error.issues];
      return [issueFromError('override', error)];
    }
  };

  const listTemplates = (): TemplateListing[] =>
    Object.values(templateCatalogue).flatMap((definition) =>
      locales.flatMap((locale) =>
        definition.channels.map((channel) => ({
          key: definition.key,
          locale,
          channel,
          category: definition.category,
          summary: definition.summary,
        })),
      ),
    );

  const shippedSource = (key: string, locale: string): TemplateOverrideSource => {
    const definition = definitionOf(key);
    const files = directory.templates.get(definition.key)?.get(locale);
    if (files === undefined)
      throw new TemplateError('template_not_found', `Locale "${locale}" is not shipped`);
    return {
      ...(definition.channels.includes('email')
        ? { subject: files.subject, mjml: files.mjml, text: files.text }
        : {}),
      ...(files.sms !== undefined ? { sms: files.sms } : {}),
    };
  };

  if (startupIssues.length > 0) {
    throw new TemplateError('templates_dir_invalid', `Templates do not compile: ${startupIssues.join('; ')}`);
  }
  // Render every shipped template once with its sample data, so a broken one fails here, not on a send.
  for (const definition of Object.values(templateCatalogue)) {
    for (const locale of locales) {
      for (const data of [sampleData(definition.key), sparseSample(definition)]) {
        try {
          if (definition.channels.includes('email')) await renderEmail({ key: definition.key, locale, data });
          if (definition.channels.includes('sms')) renderSms({ key: definition.key, locale, data });
        } catch (error) {
          throw new TemplateError(
            'templates_dir_invalid',
            `Template ${definition.key}/${locale} does not render: ${(error as Error).message}`,
            { cause: error },
          );
        }
      }
    }
  }

  return {
    locales,
    resolveLocale,
    renderEmail,
    renderSms,
    listTemplates,
    sampleData,
    shippedSource,
    validateOverride,
  };
}
