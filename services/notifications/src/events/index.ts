export { HandlerError } from './errors.ts';
export {
  CONTACT_WAIT_RECEIVES,
  createHandlers,
  type HandlerDeps,
  type NotificationsHandlers,
} from './handlers.ts';
