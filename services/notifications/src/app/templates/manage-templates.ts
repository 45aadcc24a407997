/**
 * Use cases of the templates admin API (notifications.md, "Templates and languages"): list the shipped
 * templates with their overrides, read one (shipped source and override), save an override after
 * validating it by a test render with sample data, remove it, and preview a rendering.
 *
 * Overrides exist per key and SHIPPED locale (`en`, `es`, `pt-BR`): a recipient's `pt` or `pt-PT`
 * resolves to `pt-BR` first, and that is the override used at send time. An unknown key or a locale
 * that is not shipped answers 404.
 */
import { ProblemError, problems } from '@authplatform/service-kit';
import type { Kysely } from 'kysely';
import type { Channel, TemplateCategory, TemplateKey } from '../../domain/templates/catalogue.ts';
import { isTemplateKey, templateCatalogue } from '../../domain/templates/catalogue.ts';
import { TemplateError, type TemplateIssue } from '../../domain/templates/errors.ts';
import type { TemplateOverrideSource, TemplateRenderer } from '../../domain/templates/renderer.ts';
import { type TemplateOverride, templateOverridesStore } from '../../store/templates/overrides-store.ts';
import type { TemplatesDatabase } from '../../store/templates/schema.ts';

export interface TemplatesDeps {
  db: Kysely<TemplatesDatabase>;
  /** The renderer, created once (it compiles every shipped template). */
  renderer: () => Promise<TemplateRenderer>;
}

export interface TemplateSummary {
  key: TemplateKey;
  locale: string;
  channels: Channel[];
  category: TemplateCategory;
  summary: string;
  overridden: boolean;
  override_updated_at: string | null;
}

export interface TemplateView extends TemplateSummary {
  /** The data fields the template is rendered with. */
  fields: string[];
  shipped: TemplateOverrideSource;
  override: TemplateOverrideSource | null;
  override_updated_by: string | null;
}

function summaryOf(
  key: TemplateKey,
  locale: string,
  override: TemplateOverride | undefined,
): TemplateSummary {
  const definition = templateCatalogue[key];
  return {
    key,
    locale,
    channels: [...definition.channels],
    category: definition.category,
    summary: definition.summary,
    overridden: override !== undefined,
    override_updated_at: override?.updatedAt.toISOString() ?? null,
  };
}

async function known(
  deps: TemplatesDeps,
  key: string,
  locale: string,
): Promise<{ key: TemplateKey; renderer: TemplateRenderer }> {
  const renderer = await deps.renderer();
  if (!isTemplateKey(key)) throw problems.notFound(`No template "${key}".`);
  if (!renderer.locales.includes(locale)) {
    throw problems.notFound(`Locale "${locale}" is not shipped (shipped: ${renderer.locales.join(', ')}).`);
  }
  return { key, renderer };
}

/** Every (key, shipped locale), sorted by key then locale, with whether it is overridden. */
export async function listTemplates(deps: TemplatesDeps): Promise<TemplateSummary[]> {
  const renderer = await deps.renderer();
  const overrides = new Map(
    (await templateOverridesStore(deps.db).list()).map((o) => [`${o.key} ${o.locale}`, o]),
  );
  const seen = new Set<string>();
  const items: TemplateSummary[] = [];
  for (const listing of renderer.listTemplates()) {
    const id = `${listing.key} ${listing.locale}`;
    if (seen.has(id)) continue;
    seen.add(id);
    items.push(summaryOf(listing.key, listing.locale, overrides.get(id)));
  }
  return items.sort((a, b) =>
    a.key === b.key ? a.locale.localeCompare(b.locale) : a.key.localeCompare(b.key),
  );
}

export async function readTemplate(deps: TemplatesDeps, key: string, locale: string): Promise<TemplateView> {
  const found = await known(deps, key, locale);
  const override = await templateOverridesStore(deps.db).find(found.key, locale);
  return {
    ...summaryOf(found.key, locale, override),
    fields: Object.keys(templateCatalogue[found.key].fields),
    shipped: found.renderer.shippedSource(found.key, locale),
    override: override?.content ?? null,
    override_updated_by: override?.updatedBy ?? null,
  };
}

const PARTS = new Set(['subject', 'mjml', 'html', 'text', 'sms']);

/** Problem details for override issues: one field error per issue, pointing at the part. */
export function overrideProblem(issues: readonly TemplateIssue[]): ProblemError {
  return new ProblemError({
    code: 'template_invalid',
    status: 400,
    title: 'Invalid template override',
    detail: 'The override does not render with sample data; nothing was saved.',
    errors: issues.map((issue) => ({
      pointer: PARTS.has(issue.part) ? `/body/${issue.part}` : '/body',
      code: 'template_invalid',
      detail: issue.line === undefined ? issue.message : `line ${issue.line}: ${issue.message}`,
    })),
  });
}

/** Saves an override once a test render with sample data succeeded; invalid ones change nothing. */
export async function saveOverride(
  deps: TemplatesDeps,
  input: { key: string; locale: string; content: TemplateOverrideSource; actor: string },
): Promise<TemplateView> {
  const found = await known(deps, input.key, input.locale);
  const issues = await found.renderer.validateOverride(found.key, input.locale, input.content);
  if (issues.length > 0) throw overrideProblem(issues);
  await templateOverridesStore(deps.db).save({
    key: found.key,
    locale: input.locale,
    content: input.content,
    updatedBy: input.actor,
  });
  return readTemplate(deps, found.key, input.locale);
}

export async function removeOverride(deps: TemplatesDeps, key: string, locale: string): Promise<void> {
  const found = await known(deps, key, locale);
  if (!(await templateOverridesStore(deps.db).remove(found.key, locale))) {
    throw problems.notFound(`"${key}" has no override in ${locale}.`);
  }
}

export interface PreviewInput {
  /** Replaces sample values (unknown fields are ignored by the renderer). */
  data?: Record<string, unknown>;
  timezone?: string;
  /** An override to try before saving it; default the saved override, if any. */
  override?: TemplateOverrideSource;
}

export interface Preview {
  locale: string;
  timezone: string;
  email: { subject: string; html: string; text: string } | null;
  sms: { text: string } | null;
}

/** Renders the template (with its saved or a proposed override) with sample data. */
export async function previewTemplate(
  deps: TemplatesDeps,
  key: string,
  locale: string,
  input: PreviewInput,
): Promise<Preview> {
  const found = await known(deps, key, locale);
  if (input.override !== undefined) {
    const issues = await found.renderer.validateOverride(found.key, locale, input.override);
    if (issues.length > 0) throw overrideProblem(issues);
  }
  const override = input.override ?? (await templateOverridesStore(deps.db).find(found.key, locale))?.content;
  const render = {
    key: found.key,
    locale,
    data: { ...found.renderer.sampleData(found.key), ...(input.data ?? {}) },
    ...(input.timezone === undefined ? {} : { timezone: input.timezone }),
    ...(override === undefined ? {} : { override }),
  };
  const channels = templateCatalogue[found.key].channels;
  try {
    const email = channels.includes('email') ? await found.renderer.renderEmail(render) : null;
    const sms = channels.includes('sms') ? found.renderer.renderSms(render) : null;
    const used = email ?? sms;
    return {
      locale: used?.locale ?? locale,
      timezone: used?.timezone ?? 'UTC',
      email: email === null ? null : { subject: email.subject, html: email.html, text: email.text },
      sms: sms === null ? null : { text: sms.text },
    };
  } catch (error) {
    if (error instanceof TemplateError && error.code === 'template_data_invalid') {
      throw new ProblemError({
        code: 'template_data_invalid',
        status: 400,
        title: 'Invalid preview data',
        detail: error.message,
        cause: error,
      });
    }
    throw error;
  }
}
