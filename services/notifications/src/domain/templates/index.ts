// Templates, languages and rendering of notifications (see docs/notifications.md).
export type {
  Channel,
  FieldKind,
  FieldSpec,
  TemplateCategory,
  TemplateDefinition,
  TemplateKey,
} from './catalogue.ts';
export { isTemplateKey, RESERVED_FIELDS, sampleData, TEMPLATE_KEYS, templateCatalogue } from './catalogue.ts';
export type { TemplateErrorCode, TemplateIssue, TemplatePart } from './errors.ts';
export { TemplateError } from './errors.ts';
export { describeUserAgent, formatDateTime, formatRelative } from './helpers.ts';
export { DEFAULT_LOCALE, negotiateLocale } from './locales.ts';
export type { TemplateOverrideBody } from './override-schema.ts';
export { TemplateOverrideSchema } from './override-schema.ts';
export type {
  OverridePart,
  RenderedEmail,
  RenderedSms,
  RenderInput,
  TemplateListing,
  TemplateOverrideSource,
  TemplateRenderer,
  TemplateRendererOptions,
} from './renderer.ts';
export { createTemplateRenderer, OVERRIDE_LIMITS, OVERRIDE_PARTS } from './renderer.ts';
