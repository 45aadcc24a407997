import type { ColumnType } from 'kysely';
import type { TemplateOverrideSource } from '../../domain/templates/renderer.ts';

/** The parts of an override, as the template renderer takes them (`subject`, `mjml` or `html`, `text`, `sms`). */
export type OverrideContent = TemplateOverrideSource;

export type TemplateOverridesTable = {
  key: string;
  locale: string;
  content: ColumnType<OverrideContent, string, string>;
  /** `sub` of the admin's token. */
  updated_by: string;
  updated_at: ColumnType<Date, Date | undefined, Date>;
};

export type TemplatesDatabase = { template_overrides: TemplateOverridesTable };
