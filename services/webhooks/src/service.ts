import { messagingPlugin } from '@authplatform/messaging';
import { defineService } from '@authplatform/service-kit';
import { deliveryPlugin } from './app/delivery/delivery-plugin.ts';
import { config, webhooksProductionRules } from './config.ts';
import { createHandlers } from './events/index.ts';
import { webhooksRoutes } from './http/routes.ts';
import { migrations } from './store/migrations/index.ts';

const delivery = deliveryPlugin<typeof config.properties>();

/** The webhooks service: customer endpoints, signing secrets, deliveries and attempts. */
export const service = defineService({
  name: 'webhooks',
  version: '0.1.0',
  description: 'Customer endpoints, signing secrets, deliveries and attempts.',
  defaultPort: 3004,
  config,
  migrations,
  routes: webhooksRoutes(delivery.wake),
  productionRules: webhooksProductionRules,
  // The outbox relay and the inbox consumer (events fan out to endpoints), then the delivery worker.
  plugins: [
    messagingPlugin('webhooks', (deps) => ({
      events: createHandlers({ complianceExports: deps.complianceExports, wake: delivery.wake }),
    })),
    delivery,
  ],
});
