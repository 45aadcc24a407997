export { type AuditHandlerDeps, createHandlers } from './handlers.ts';
