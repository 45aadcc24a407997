import { messagingPlugin } from '@authplatform/messaging';
import { defineService, type ServicePlugin } from '@authplatform/service-kit';
import type { TProperties } from '@sinclair/typebox';
import { deliveryProductionRules } from './app/delivery/delivery-config.ts';
import { deliveryPlugin } from './app/delivery/delivery-plugin.ts';
import { eraseMessagesOf } from './app/delivery/erase-messages.ts';
import { queueMessage } from './app/delivery/queue-message.ts';
import { sharedRenderer } from './app/templates/templates-module.ts';
import { config } from './config.ts';
import { createHandlers } from './events/index.ts';
import { routes } from './http/routes.ts';
import type { NotificationsDatabase } from './store/database.ts';
import { migrations } from './store/migrations/index.ts';
import { findTemplateOverrideContent } from './store/templates/index.ts';

/**
 * The delivery worker (render, send through SES / Twilio / the dev outbox, retry) and SES feedback,
 * with the template renderer compiled when the service starts (a broken template stops the start)
 * and shared with the templates admin API; overrides saved by an admin are looked up at send time.
 */
function deliveryWithTemplates<P extends TProperties>(): ServicePlugin<P> {
  return {
    name: 'delivery',
    async start(context) {
      const renderer = await sharedRenderer();
      // Like the messaging consumers, the SES feedback consumer makes its first connection attempt
      // before start() returns, so a service whose broker answers is ready when it listens.
      return deliveryPlugin<P>({ renderer, findOverride: findTemplateOverrideContent }).start(context);
    },
  };
}

/** The notifications service: email and SMS delivery with templates, languages, preferences and delivery tracking. */
export const service = defineService({
  name: 'notifications',
  version: '0.1.0',
  description: 'Email and SMS delivery with templates, languages, preferences and delivery tracking.',
  defaultPort: 3003,
  config,
  migrations,
  routes,
  productionRules: (cfg) => deliveryProductionRules(cfg),
  plugins: [
    // The outbox relay, the inbox consumer (events) and the commands consumer: handlers queue messages.
    messagingPlugin<NotificationsDatabase>('notifications', ({ config: cfg, complianceExports }) =>
      createHandlers({
        queueMessage,
        eraseMessages: eraseMessagesOf,
        defaultLocale: (cfg.DEFAULT_LOCALE as string | undefined) ?? 'en',
        securityContactEmail: cfg.SECURITY_CONTACT_EMAIL as string | undefined,
        complianceExports,
      }),
    ),
    deliveryWithTemplates(),
  ],
});
