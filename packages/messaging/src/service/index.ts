export { type HandlerCoverage, handlerCoverage } from './coverage.ts';
export {
  type MessagingHandlers,
  type MessagingPluginResult,
  type MessagingServiceContext,
  messagingPlugin,
} from './messaging-plugin.ts';
