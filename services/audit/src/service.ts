import { messagingPlugin } from '@authplatform/messaging';
import { defineService } from '@authplatform/service-kit';
import { auditProductionRules, config, keyEncryptionKey } from './config.ts';
import { createHandlers } from './events/index.ts';
import { routes } from './http/routes.ts';
import { auditLogWriter } from './store/log/audit-log-store.ts';
import { migrations } from './store/migrations/index.ts';

/** The audit service: the tamper-evident audit log, security detections and compliance requests. */
export const service = defineService({
  name: 'audit',
  version: '0.1.0',
  description: 'The tamper-evident audit log, security detections and compliance requests.',
  defaultPort: 3005,
  config,
  migrations,
  routes,
  productionRules: auditProductionRules,
  // The outbox relay and the inbox consumer: every event of every topic becomes one audit record.
  plugins: [
    messagingPlugin('audit', (deps) => {
      const kek = deps.config.AUDIT_KEY_ENCRYPTION_KEY;
      return {
        events: createHandlers({
          writer: auditLogWriter(keyEncryptionKey(typeof kek === 'string' ? kek : undefined)),
        }),
      };
    }),
  ],
});
