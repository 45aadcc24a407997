export {
  createHandlers,
  type IdentityEventsDatabase,
  type IdentityHandlerDeps,
  LOCKING_SEVERITIES,
} from './handlers.ts';
