export { createHandlers, type WebhooksHandlerDeps } from './handlers.ts';
