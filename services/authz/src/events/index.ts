export { type AuthzHandlerDeps, createHandlers } from './handlers.ts';
