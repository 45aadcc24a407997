/**
 * Runs the delivery worker for as long as the service runs. `wake` may be handed to the event handlers
 * before the worker starts (it does nothing until then; the worker's first poll finds the work anyway).
 */
import type { ServicePlugin } from '@authplatform/service-kit';
import type { TProperties } from '@sinclair/typebox';
import { retrySchedule, secretEncryptionKey } from '../../config.ts';
import { createSecretBox } from '../../domain/endpoints/secret-box.ts';
import type { WebhooksDatabase } from '../../store/webhooks/schema.ts';
import { createDeliveryWorker, type DeliveryWorker } from './delivery-worker.ts';

export interface WebhooksConfigValues {
  WEBHOOKS_SECRET_ENCRYPTION_KEY?: string | undefined;
  WEBHOOKS_ALLOW_PRIVATE_TARGETS: boolean;
  WEBHOOKS_TIMEOUT_MS: number;
  WEBHOOKS_MAX_CONCURRENCY: number;
  WEBHOOKS_ENDPOINT_CONCURRENCY: number;
  WEBHOOKS_RETRY_SCHEDULE?: string | undefined;
}

export interface DeliveryPlugin<P extends TProperties> extends ServicePlugin<P> {
  wake(): void;
}

export function deliveryPlugin<P extends TProperties>(): DeliveryPlugin<P> {
  let worker: DeliveryWorker | undefined;
  return {
    name: 'webhook delivery',
    wake: () => worker?.wake(),
    async start(context) {
      const config = context.config as unknown as WebhooksConfigValues; // P includes the webhooks config
      worker = createDeliveryWorker({
        db: context.database.db.withTables<WebhooksDatabase>(),
        secrets: createSecretBox(secretEncryptionKey(config.WEBHOOKS_SECRET_ENCRYPTION_KEY)),
        logger: context.logger,
        allowPrivateTargets: config.WEBHOOKS_ALLOW_PRIVATE_TARGETS,
        timeoutMs: config.WEBHOOKS_TIMEOUT_MS,
        maxConcurrency: config.WEBHOOKS_MAX_CONCURRENCY,
        endpointConcurrency: config.WEBHOOKS_ENDPOINT_CONCURRENCY,
        schedule: retrySchedule(config.WEBHOOKS_RETRY_SCHEDULE),
      });
      worker.start();
      const running = worker;
      return {
        stop: async () => {
          await running.stop();
          worker = undefined;
        },
      };
    },
  };
}
