/**
 * Every HTTP route of delivery, for `http/routes.ts`: messages and suppressions (admin, when the
 * service verifies tokens), the Twilio status callback (when TWILIO_AUTH_TOKEN is set) and the dev
 * outbox (when DEV_OUTBOX is on).
 */
import type { Route, ServiceContext } from '@authplatform/service-kit';
import type { TProperties } from '@sinclair/typebox';
import type { Kysely } from 'kysely';
import { devOutboxRoutes } from './dev-outbox-routes.ts';
import { messagesRoutes } from './messages-routes.ts';
import { providersRoutes } from './providers-routes.ts';
import { suppressionsRoutes } from './suppressions-routes.ts';

export function deliveryRoutes<P extends TProperties>(context: ServiceContext<P>): Route[] {
  const config = context.config as unknown as {
    TWILIO_AUTH_TOKEN?: string | undefined;
    TWILIO_STATUS_CALLBACK_URL?: string | undefined;
    DEV_OUTBOX?: boolean | undefined;
  };
  // biome-ignore lint/suspicious/noExplicitAny: the service's database holds more tables than delivery's.
  const db = context.database.db as Kysely<any>;
  const admin = context.authenticator !== undefined;
  return [
    ...messagesRoutes({ db, admin }),
    ...suppressionsRoutes({ db, admin }),
    ...providersRoutes({
      db,
      twilioAuthToken: config.TWILIO_AUTH_TOKEN,
      twilioStatusCallbackUrl: config.TWILIO_STATUS_CALLBACK_URL,
    }),
    ...devOutboxRoutes({ db, enabled: config.DEV_OUTBOX === true }),
  ];
}
