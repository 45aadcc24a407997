export { handlers, type IdentityEventsDatabase, LOCKING_SEVERITIES } from './handlers.ts';
