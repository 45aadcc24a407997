/**
 * What delivery needs from the template renderer (`createTemplateRenderer()` of src/domain/templates,
 * or an adapter that creates it lazily) and from the template overrides an admin saved, looked up at
 * send time so an override saved after a message was queued applies to its next attempt.
 */
import type {
  RenderedEmail,
  RenderedSms,
  RenderInput,
  TemplateOverrideSource,
} from '../../domain/templates/index.ts';

type Awaitable<T> = T | Promise<T>;

export interface MessageRenderer {
  renderEmail(input: RenderInput): Awaitable<Pick<RenderedEmail, 'subject' | 'html' | 'text'>>;
  renderSms(input: RenderInput): Awaitable<Pick<RenderedSms, 'text'>>;
  /**
   * The shipped locale a requested one renders in (`pt-BR` → `pt-BR`, else `pt`, else `en`); the
   * override is looked up for that locale. Without it the message's own locale is used.
   */
  resolveLocale?(requested: string): Awaitable<string>;
}

/** An admin's override of (key, locale), or undefined; called with the service's database. */
export type FindTemplateOverride = (
  // biome-ignore lint/suspicious/noExplicitAny: the override store types its own tables; only the handle is passed through.
  db: any,
  key: string,
  locale: string,
) => Promise<TemplateOverrideSource | undefined>;

export type { TemplateOverrideSource };
