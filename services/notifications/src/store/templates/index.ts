export * from './overrides-store.ts';
export type { OverrideContent, TemplateOverridesTable, TemplatesDatabase } from './schema.ts';
