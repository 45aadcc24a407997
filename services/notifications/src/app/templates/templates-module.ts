/** The templates admin module of a running service: its database and one lazily created renderer. */
import type { ServiceContext } from '@authplatform/service-kit';
import type { TProperties } from '@sinclair/typebox';
import type { Kysely } from 'kysely';
import { createTemplateRenderer, type TemplateRenderer } from '../../domain/templates/renderer.ts';
import type { TemplatesDatabase } from '../../store/templates/schema.ts';
import type { TemplatesDeps } from './manage-templates.ts';

/** Created at the first request (it compiles every shipped template), then kept. */
export function lazyRenderer(create: () => Promise<TemplateRenderer> = () => createTemplateRenderer()) {
  let renderer: Promise<TemplateRenderer> | undefined;
  return () => {
    renderer ??= create().catch((error: unknown) => {
      renderer = undefined; // try again on the next request
      throw error;
    });
    return renderer;
  };
}

/**
 * The renderer of this process, shared by the templates admin API and the delivery worker (created
 * at the first use, so importing the service compiles nothing).
 */
export const sharedRenderer = lazyRenderer();

export function templatesFor(context: ServiceContext<TProperties>): TemplatesDeps {
  return { db: context.database.db as unknown as Kysely<TemplatesDatabase>, renderer: sharedRenderer };
}
